#include "fault.h"

#if TESSEL_FAULT_INJECTION
long fault_left_[FAULT_KIND_COUNT];
#endif
static long seen[FAULT_KIND_COUNT];
static bool fired[FAULT_KIND_COUNT];

void fault_arm(enum fault_kind kind, long n)
{
#if TESSEL_FAULT_INJECTION
	fault_left_[kind] = n > 0 ? n : 0;
#else
	(void)n;
#endif
	seen[kind] = 0;
	fired[kind] = false;
}

bool fault_fired(enum fault_kind kind)
{
	return fired[kind];
}

long fault_count(enum fault_kind kind)
{
	return seen[kind];
}

#if TESSEL_FAULT_INJECTION
/* Counted only while armed: once the fault fired the hook disarms, so the
 * error path that follows (freeing, reporting) runs with memory. */
bool fault_hit_(enum fault_kind kind)
{
	seen[kind]++;
	if (--fault_left_[kind])
		return false;
	fired[kind] = true;
	return true;
}
#endif
