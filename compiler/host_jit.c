/* compiler/host_jit: the LLVM-C ORC JIT the host backend compiles into
 * (docs/host.md): the host's target machine, and of the process's own
 * symbols only the C library's memory routines. */
#include "host.h"

#include <stdlib.h>
#include <string.h>

#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>

#include "host_int.h"
#include "base/alloc.h"

bool host_llvm_failed(LLVMErrorRef e, const char *what, struct diags *err)
{
	if (!e)
		return false;
	char *m = LLVMGetErrorMessage(e);
	diag_add(err, NULL, 0, 0, "host JIT: %s: %s", what, m);
	LLVMDisposeErrorMessage(m);
	return true;
}

/* The process's symbols a function may call: the C library's memory
 * routines, which LLVM makes of loops that fill or copy (a tensor of zeros). */
static int libc_memory(void *ctx, LLVMOrcSymbolStringPoolEntryRef sym)
{
	const char *s = LLVMOrcSymbolStringPoolEntryStr(sym), prefix = *(const char *)ctx;
	s += prefix && *s == prefix; /* past the platform's global prefix */
	return !strcmp(s, "memset") || !strcmp(s, "memcpy") || !strcmp(s, "memmove");
}

struct host_jit *host_jit_open(struct diags *err)
{
	if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) {
		diag_add(err, NULL, 0, 0, "host JIT: LLVM has no target for this machine");
		return NULL;
	}
	struct host_jit *j = try_calloc(1, sizeof *j);
	if (!j) {
		diag_nomem(err, NULL, sizeof *j, "the host JIT");
		return NULL;
	}
	j->dump = getenv("TESSEL_HOST_DUMP") != NULL;
	LLVMOrcJITTargetMachineBuilderRef jtmb;
	if (host_llvm_failed(LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb), "detecting the host", err)) {
		free(j);
		return NULL;
	}
	LLVMOrcLLJITBuilderRef b = LLVMOrcCreateLLJITBuilder();
	LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(b, jtmb); /* takes jtmb */
	if (host_llvm_failed(LLVMOrcCreateLLJIT(&j->jit, b), "creating the JIT", err)) { /* takes b */
		free(j);
		return NULL;
	}
	LLVMOrcDefinitionGeneratorRef gen;
	j->prefix[0] = LLVMOrcLLJITGetGlobalPrefix(j->jit);
	j->prefix[1] = 0;
	if (host_llvm_failed(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, j->prefix[0], libc_memory, j->prefix),
			"finding the C library's memset", err)) {
		host_jit_close(j);
		return NULL;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->jit), gen); /* takes gen */
	/* the target machine the optimiser's cost models ask: the host's CPU */
	char *triple = LLVMGetDefaultTargetTriple(), *cpu = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
	char *msg = NULL;
	LLVMTargetRef t;
	if (LLVMGetTargetFromTriple(triple, &t, &msg)) {
		diag_add(err, NULL, 0, 0, "host JIT: no target for %s: %s", triple, msg);
		LLVMDisposeMessage(msg);
	} else {
		j->tm = LLVMCreateTargetMachine(t, triple, cpu, feat, LLVMCodeGenLevelAggressive, LLVMRelocDefault,
						LLVMCodeModelJITDefault);
	}
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(feat);
	if (!j->tm) {
		host_jit_close(j);
		return NULL;
	}
	j->tsc = LLVMOrcCreateNewThreadSafeContext();
	j->cx = LLVMOrcThreadSafeContextGetContext(j->tsc);
	return j;
}

void host_jit_close(struct host_jit *j)
{
	if (!j)
		return;
	if (j->jit) {
		LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
		if (e) {
			char *m = LLVMGetErrorMessage(e);
			LLVMDisposeErrorMessage(m);
		}
	}
	if (j->tsc)
		LLVMOrcDisposeThreadSafeContext(j->tsc);
	if (j->tm)
		LLVMDisposeTargetMachine(j->tm);
	free(j->entries);
	free(j);
}
