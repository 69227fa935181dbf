/* access: the one parser of `OUT[i, ...] += A[...] * B[...]`, in the form an
 * intrinsic's expr takes and the form a raw einsum takes.  Accepted
 * statements have every span checked against where strstr finds the name;
 * every error has its message and offset checked. */
#include "base/access.h"

#include "test.h"

static const char *const plus_eq[] = {"+="};
static const char *const reduce_ops[] = {"+=", "max="};
static const char *const three_ops[] = {"+=", "max=", "min="};

/* As hwdesc/intrinsic.c: two inputs, at most 4 indices, C-like names. */
static const struct acc_form intrinsic_form = {
	.assign = plus_eq, .nassign = 1, .min_inputs = 2, .max_inputs = 2, .max_rank = 4,
};

/* As ir/einsum.c: one or two inputs, at most 6 indices, dotted tensor
 * names, any blank. */
static const struct acc_form einsum_form = {
	.assign = reduce_ops, .nassign = 2, .min_inputs = 1, .max_inputs = 2, .max_rank = 6,
	.dotted_names = true, .line_breaks = true,
};

/* Span SP is NAME, found first at or after where CONTEXT starts in TEXT. */
static void want_span(const char *text, struct acc_span sp, const char *context, const char *name)
{
	const char *c = strstr(text, context);
	ASSERT(c != NULL);
	if (!c)
		return;
	const char *n = strstr(c, name);
	ASSERT(n != NULL);
	if (!n)
		return;
	ASSERT_EQ(sp.off, n - text);
	ASSERT_EQ(sp.len, strlen(name));
}

static bool parse(const char *text, const struct acc_form *f, struct acc_stmt *st)
{
	char msg[160] = "";
	int off = -1;
	int rc = acc_parse(text, (int)strlen(text), f, st, &off, msg, sizeof msg);
	if (rc)
		fprintf(stderr, "'%s': %s at offset %d\n", text, msg, off);
	return rc == 0;
}

static void test_intrinsic_accepted(void)
{
	struct acc_stmt st;
	const char *t = "OUT[i, j] += A[i, k] * B[j, k]";
	ASSERT(parse(t, &intrinsic_form, &st));
	ASSERT_EQ(st.assign, 0);
	ASSERT_EQ(st.nin, 2);
	ASSERT_EQ(st.out.rank, 2);
	ASSERT_EQ(st.in[0].rank, 2);
	ASSERT_EQ(st.in[1].rank, 2);
	want_span(t, st.out.name, "OUT", "OUT");
	want_span(t, st.out.idx[0], "OUT[", "i");
	want_span(t, st.out.idx[1], "OUT[", "j");
	want_span(t, st.in[0].name, "A[", "A");
	want_span(t, st.in[0].idx[0], "A[", "i");
	want_span(t, st.in[0].idx[1], "A[", "k");
	want_span(t, st.in[1].name, "B[", "B");
	want_span(t, st.in[1].idx[0], "B[", "j");
	want_span(t, st.in[1].idx[1], "B[", "k");

	/* Blanks anywhere between tokens, or none; names with digits and '_'. */
	t = " \tacc_0 [ i_1 ,j2 ]+=inp[i_1]\t*  wgt [ j2 ] \t";
	ASSERT(parse(t, &intrinsic_form, &st));
	want_span(t, st.out.name, "acc_0", "acc_0");
	want_span(t, st.out.idx[0], "[ i_1", "i_1");
	want_span(t, st.out.idx[1], ",j2", "j2");
	want_span(t, st.in[0].name, "inp", "inp");
	want_span(t, st.in[0].idx[0], "inp[", "i_1");
	want_span(t, st.in[1].name, "wgt", "wgt");
	want_span(t, st.in[1].idx[0], "wgt [", "j2");
	ASSERT_EQ(st.in[0].rank, 1);

	/* As many indices as the form allows. */
	t = "o[a, b, c, d] += x[a, b, c, d] * y[d]";
	ASSERT(parse(t, &intrinsic_form, &st));
	ASSERT_EQ(st.out.rank, 4);
	want_span(t, st.out.idx[3], "o[a, b, c, ", "d");
	want_span(t, st.in[0].idx[3], "x[a, b, c, ", "d");
	want_span(t, st.in[1].idx[0], "y[", "d");

	/* The spans compare by text. */
	ASSERT(acc_span_eq(t, st.out.idx[3], st.in[1].idx[0]));
	ASSERT(!acc_span_eq(t, st.out.idx[2], st.in[1].idx[0]));
	ASSERT(acc_span_is(t, st.in[0].name, "x"));
	ASSERT(!acc_span_is(t, st.in[0].name, "xx"));
	ASSERT(!acc_span_is(t, st.in[0].name, ""));
}

static void test_einsum_accepted(void)
{
	struct acc_stmt st;
	const char *t = "y[i, j] += a[i, k] * b[k, j]";
	ASSERT(parse(t, &einsum_form, &st));
	ASSERT_EQ(st.assign, 0);
	ASSERT_EQ(st.nin, 2);
	want_span(t, st.in[1].name, "b[", "b");
	want_span(t, st.in[1].idx[0], "b[", "k");
	want_span(t, st.in[1].idx[1], "b[k, ", "j");

	/* One input, max=, a dotted name, line breaks as blanks. */
	t = "\nm[k]\tmax=\r\n layer.1-out[i, k]\n";
	ASSERT(parse(t, &einsum_form, &st));
	ASSERT_EQ(st.assign, 1);
	ASSERT_EQ(st.nin, 1);
	ASSERT_EQ(st.out.rank, 1);
	ASSERT_EQ(st.in[0].rank, 2);
	want_span(t, st.out.name, "m[", "m");
	want_span(t, st.out.idx[0], "m[", "k");
	want_span(t, st.in[0].name, "layer", "layer.1-out");
	want_span(t, st.in[0].idx[0], "out[", "i");
	want_span(t, st.in[0].idx[1], "out[i, ", "k");

	/* Six indices. */
	t = "z[a, b, c, d, e, f] += x[a, b, c, d, e, f]";
	ASSERT(parse(t, &einsum_form, &st));
	ASSERT_EQ(st.out.rank, 6);
	ASSERT_EQ(st.in[0].rank, 6);
	want_span(t, st.in[0].idx[5], "x[a, b, c, d, e, ", "f");
}

struct bad {
	const char *text;
	const char *at; /* the offset is where this is first found; NULL: the end */
	const char *msg;
};

static void check_errors(const struct acc_form *f, const struct bad *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct acc_stmt st;
		char msg[160] = "";
		int off = -1, len = (int)strlen(b[i].text);
		int want_off = len;
		if (b[i].at) {
			const char *p = strstr(b[i].text, b[i].at);
			ASSERT(p != NULL);
			want_off = p ? (int)(p - b[i].text) : -2;
		}
		ASSERT_EQ(acc_parse(b[i].text, len, f, &st, &off, msg, sizeof msg), -1);
		ASSERT_STR(msg, b[i].msg);
		if (off != want_off)
			fprintf(stderr, "  in '%s'\n", b[i].text);
		ASSERT_EQ(off, want_off);
	}
}

/* The messages the hardware description has always given (docs/hwdesc.md,
 * tests/corpus/hwdesc/expr-*.yaml). */
static void test_intrinsic_errors(void)
{
	static const struct bad bad[] = {
		{"", NULL, "expected the name of the output operand, got the end of the expression"},
		{"  ", NULL, "expected the name of the output operand, got the end of the expression"},
		{"3acc[i] += a[i] * b[i]", "3acc", "expected the name of the output operand, got '3'"},
		{"acc(i) += a[i] * b[i]", "(i)", "expected '[' after 'acc', got '('"},
		{"acc", NULL, "expected '[' after 'acc', got the end of the expression"},
		{"a_name_longer_than_thirty_two_characters 9", "9",
		 "expected '[' after 'a_name_longer_than_thirty_two_ch', got '9'"},
		{"acc[] += a[i] * b[i]", "] +=", "expected an index name, got ']'"},
		{"acc[i, ] += a[i] * b[i]", "] +=", "expected an index name, got ']'"},
		{"acc[i, 0] += a[i] * b[i]", "0]", "expected an index name, got '0'"},
		{"acc[i j] += a[i] * b[i]", "j]", "expected ',' or ']' after an index, got 'j'"},
		{"acc[i, k += a[i, k] * b[i, k]", "+=", "expected ',' or ']' after an index, got '+'"},
		{"acc[i", NULL, "expected ',' or ']' after an index, got the end of the expression"},
		{"acc[i, j, k, l, m] += a[i] * b[i]", ", m]", "expected ']' (an operand has at most 4 indices), got ','"},
		{"acc[i] = a[i] * b[i]", "= a", "expected '+=' after the output operand, got '='"},
		{"acc[i] + = a[i] * b[i]", "+ =", "expected '+=' after the output operand, got '+'"},
		{"acc[i] max= a[i] * b[i]", "max", "expected '+=' after the output operand, got 'max'"},
		{"acc[i] +=", NULL, "expected the name of the first input operand, got the end of the expression"},
		{"acc[i] += [i] * b[i]", "[i] *", "expected the name of the first input operand, got '['"},
		{"acc[i] += a.x[i] * b[i]", ".x", "expected '[' after 'a', got '.'"},
		{"acc[i] += a[i]", NULL, "expected '*' between the two input operands, got the end of the expression"},
		{"acc[i] += a[i] b[i]", "b[", "expected '*' between the two input operands, got 'b'"},
		{"acc[i] += a[i] * ", NULL, "expected the name of the second input operand, got the end of the expression"},
		{"acc[i] += a[i] * *b[i]", "*b", "expected the name of the second input operand, got '*'"},
		{"acc[i] += a[i] * b[i] + c[i]", "+ c", "expected the end of the expression after the second input operand, got '+'"},
		{"acc[i] += a[i] * b[i] * c[i]", "* c", "expected the end of the expression after the second input operand, got '*'"},
		{"acc[i] += a[i] * b[i]\n", "\n",
		 "expected the end of the expression after the second input operand, got the character 0x0a"},
		{"acc[i] += a[i] * b[\xc3\xa9]", "\xc3", "expected an index name, got '\xc3\xa9'"},
		{"acc[i] += a[i] * b[\xc3]", "\xc3", "expected an index name, got the character 0xc3"}, /* no UTF-8 */
	};
	check_errors(&intrinsic_form, bad, sizeof bad / sizeof *bad);
}

static void test_einsum_errors(void)
{
	static const struct bad bad[] = {
		{"", NULL, "expected the name of the output operand, got the end of the expression"},
		{"\n", NULL, "expected the name of the output operand, got the end of the expression"},
		{"-z[i] += a[i]", "-z", "expected the name of the output operand, got '-'"},
		{"z.y(i) += a[i]", "(i)", "expected '[' after 'z.y', got '('"},
		{"z[] += a[i]", "] +=", "expected an index name, got ']'"},
		{"z[i, k += a[i, k]", "+=", "expected ',' or ']' after an index, got '+'"},
		{"z[i, k.x] += a[i, k]", ".x", "expected ',' or ']' after an index, got '.'"},
		{"z[a, b, c, d, e, f, g] += x[a]", ", g]", "expected ']' (an operand has at most 6 indices), got ','"},
		{"z[i] = a[i, k]", "= a", "expected '+=' or 'max=' after the output operand, got '='"},
		{"z[i] min= a[i, k]", "min", "expected '+=' or 'max=' after the output operand, got 'min'"},
		{"z[i] +=", NULL, "expected the name of the first input operand, got the end of the expression"},
		{"z[i] += a[i, k] b.c[k]", "b.c", "expected '*' or the end of the expression after the first input operand, got 'b.c'"},
		{"z[i] += a[i, k] + b[k]", "+ b", "expected '*' or the end of the expression after the first input operand, got '+'"},
		{"z[i] += a[i, k]\x01", "\x01",
		 "expected '*' or the end of the expression after the first input operand, got the character 0x01"},
		{"z[i] += a[i, k] *\n", NULL, "expected the name of the second input operand, got the end of the expression"},
		{"z[i] += a[i, k] * b[k] c", "c", "expected the end of the expression after the second input operand, got 'c'"},
		{"z[i] += a[i, k] * b[k] * c[k]", "* c", "expected the end of the expression after the second input operand, got '*'"},
	};
	check_errors(&einsum_form, bad, sizeof bad / sizeof *bad);
}

/* WHAT follows the form: a list of several operators, a single index, one
 * input at most. */
static void test_other_forms(void)
{
	static const struct acc_form three = {
		.assign = three_ops, .nassign = 3, .min_inputs = 1, .max_inputs = 1, .max_rank = 1,
	};
	static const struct bad bad[] = {
		{"z[i] = a[i]", "= a", "expected '+=', 'max=' or 'min=' after the output operand, got '='"},
		{"z[i, j] += a[i]", ", j", "expected ']' (an operand has at most 1 index), got ','"},
		{"z[i] min= a[i] * b[i]", "* b", "expected the end of the expression after the first input operand, got '*'"},
	};
	check_errors(&three, bad, sizeof bad / sizeof *bad);
	struct acc_stmt st;
	ASSERT(parse("z[i] min= a[i]", &three, &st));
	ASSERT_EQ(st.assign, 2);
	ASSERT_EQ(st.nin, 1);

	/* Only LEN characters are read: what follows does not count. */
	const char *t = "z[i] += a[i] * b[i] junk";
	char msg[160];
	int off;
	ASSERT_EQ(acc_parse(t, (int)(strstr(t, " junk") - t), &intrinsic_form, &st, &off, msg, sizeof msg), 0);
	ASSERT_EQ(acc_parse(t, (int)(strstr(t, "b[i]") - t) + 3, &intrinsic_form, &st, &off, msg, sizeof msg), -1);
	ASSERT_STR(msg, "expected ',' or ']' after an index, got the end of the expression");
	ASSERT_EQ(off, strstr(t, "b[i]") - t + 3);
}

int main(void)
{
	test_intrinsic_accepted();
	test_einsum_accepted();
	test_intrinsic_errors();
	test_einsum_errors();
	test_other_forms();
	return test_done("test_access");
}
