/* compiler/host: the LLVM-C host backend.  Lowers any op of the tensor IR
 * (ir/ir.h) to LLVM IR through the LLVM-C API, optimises it (-O3, loop
 * vectorisation, no floating-point contraction) and compiles it with ORC
 * LLJIT, then runs it on tensors held as raw bytes in their dtype, row-major
 * (integers little-endian, fp16 as IEEE binary16, fp32).  Results are those of
 * docs/ir.md bit for bit; docs/host.md says how, and where the reference
 * interpreter (tests/unit/ir_interp.h) differs from the written semantics. */
#ifndef TESSEL_HOST_H
#define TESSEL_HOST_H

#include "base/diag.h"
#include "ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One LLVM context, one target machine, one JIT; compiled ops are cached. */
struct host_jit;

/* NULL with an error if LLVM cannot set up a JIT for this machine. */
struct host_jit *host_jit_open(struct diags *err);
/* Compiles op `op` of `g` unless an op of the same form (iterators, accesses,
 * dtypes, shapes, epilogues) is already compiled.  0, or -1 with an error. */
int host_compile(struct host_jit *j, const struct ir_graph *g, int op, struct diags *err);
/* Runs op `op` (compiling it first if needed): tensors[i] holds the bytes of
 * tensor i of `g`; only the op's operands, bias tensors and output are
 * touched.  0, or -1 with an error. */
int host_run_op(struct host_jit *j, const struct ir_graph *g, int op, void *const *tensors, struct diags *err);
/* Disposes of the JIT, every compiled op and the LLVM context. */
void host_jit_close(struct host_jit *j);

#ifdef __cplusplus
}
#endif

#endif
