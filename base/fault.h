/* fault: the test hook that makes the Nth allocation or the Nth file
 * operation fail, as SQLite's fault injection does (docs/testing.md).
 *
 * Armed with N, the Nth call of the library's allocators (base/alloc.h, and
 * strbuf's growth through them) after arming fails once; the Nth file
 * operation (open, read, write, close through base/file.h) likewise.  A
 * loop over N = 1, 2, ... until an operation finishes without the fault
 * firing reaches every allocation and every file operation on its path.
 * Unarmed, a check is one load and one branch.  Built out entirely (the
 * checks are constant false) when TESSEL_FAULT_INJECTION is 0. */
#ifndef TESSEL_FAULT_H
#define TESSEL_FAULT_H

#include <stdbool.h>

#ifndef TESSEL_FAULT_INJECTION
#define TESSEL_FAULT_INJECTION 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum fault_kind { FAULT_ALLOC, FAULT_FILE, FAULT_KIND_COUNT };

/* Fails the Nth operation of KIND from now (N >= 1); 0 disarms. */
void fault_arm(enum fault_kind kind, long n);
/* Whether the armed fault has fired since fault_arm, and how many
 * operations of KIND were seen since then. */
bool fault_fired(enum fault_kind kind);
long fault_count(enum fault_kind kind);

#if TESSEL_FAULT_INJECTION
extern long fault_left_[FAULT_KIND_COUNT]; /* 0: unarmed */
bool fault_hit_(enum fault_kind kind);
/* True when this operation must fail. */
static inline bool fault_alloc(void)
{
	return fault_left_[FAULT_ALLOC] && fault_hit_(FAULT_ALLOC);
}
static inline bool fault_file(void)
{
	return fault_left_[FAULT_FILE] && fault_hit_(FAULT_FILE);
}
#else
static inline bool fault_alloc(void) { return false; }
static inline bool fault_file(void) { return false; }
#endif

#ifdef __cplusplus
}
#endif

#endif
