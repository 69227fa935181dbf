/* compiler/host_int.h: what the host backend's JIT (host_jit.c) and its
 * code generation (host.c) share. */
#ifndef TESSEL_COMPILER_HOST_INT_H
#define TESSEL_COMPILER_HOST_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/TargetMachine.h>

#include "base/diag.h"

typedef void (*host_fn)(void *const *tensors);

/* An op's form, flattened to numbers: two ops with equal keys compile to the
 * same code (the code reads its operands by tensor index, so those are in
 * it too). */
enum { KEY_MAX = 512 };

struct host_entry {
	int op, nkey;
	int64_t key[KEY_MAX];
	host_fn fn;
};

struct host_jit {
	LLVMOrcThreadSafeContextRef tsc;
	LLVMContextRef cx;
	LLVMOrcLLJITRef jit;
	LLVMTargetMachineRef tm;
	int nentries, cap, serial;
	struct host_entry *entries;
	bool dump;
	char prefix[2]; /* the platform's prefix of global symbols, for libc_memory */
};

/* False, or true with the error of LLVM (`what` failed) in err. */
bool host_llvm_failed(LLVMErrorRef e, const char *what, struct diags *err);

#endif
