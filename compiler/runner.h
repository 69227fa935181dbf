/* compiler/runner: what computes a compiled program's host steps (a header
 * of its own, so that C++ drivers such as the SystemC platform's can use it
 * without the compiler's other headers). */
#ifndef TESSEL_RUNNER_H
#define TESSEL_RUNNER_H

#include "device/device.h"

#ifdef __cplusplus
extern "C" {
#endif


/* The device layer's host backend (struct dev_host) for running programs
 * with host steps: each host op's bytes decoded (ir_op_decode) and run by a
 * JIT opened at the first one and kept for the next (compiled ops are
 * cached).  One runner per thread. */
struct host_jit;
struct cc_host_runner {
	struct dev_host dev;
	struct host_jit *jit;
};
void cc_host_runner_init(struct cc_host_runner *r);
void cc_host_runner_close(struct cc_host_runner *r);

#ifdef __cplusplus
}
#endif

#endif
