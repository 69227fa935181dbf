/* An error's quoted source line as diag_print shows it: a damaged file's
 * line may hold any byte, and the terminal gets control bytes and bytes of
 * no UTF-8 character as \xNN (once they went out raw), UTF-8 characters and
 * tabs as they are, and the caret under the column, each escape as wide as
 * it prints.  The expected text is written out by hand. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "base/diag.h"

/* What diag_print writes for one error at line 2, column col of text. */
static char *printed(const char *text, int col)
{
	struct diags d = {0};
	d.source = text;
	diag_add(&d, "f.yaml", 2, col, "bad");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	diag_print(&d, out);
	fclose(out);
	diag_free(&d);
	return buf;
}

static void expect(const char *text, int col, const char *want)
{
	char *got = printed(text, col);
	ASSERT(got && !strcmp(got, want));
	if (got && strcmp(got, want))
		fprintf(stderr, "got:\n%swant:\n%s", got, want);
	free(got);
}

int main(void)
{
	/* plain text: the line, the caret under column 5 */
	expect("first\nname: x\n", 5, "f.yaml:2:5: error: bad\n  name: x\n      ^\n");
	/* control bytes escaped; the caret past them, four columns each */
	expect("first\n\x01\x02: x\n", 3, "f.yaml:2:3: error: bad\n  \\x01\\x02: x\n          ^\n");
	/* a byte of no UTF-8 character escaped, a UTF-8 character (two bytes, one column) kept */
	expect("first\n\xff \xc3\xa9 x\n", 5, "f.yaml:2:5: error: bad\n  \\xff \xc3\xa9 x\n        ^\n");
	/* a tab stays a tab, above and below; DEL escaped */
	expect("first\n\tk: \x7f\n", 5, "f.yaml:2:5: error: bad\n  \tk: \\x7f\n  \t   ^\n");
	return test_done("diag_print");
}
