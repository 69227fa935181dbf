/* tessel.h: the public C API of tessel (docs/api.md).
 *
 * Load a hardware description (or use the built-in one), open a device by
 * name ("sim": the cycle-accurate simulator; "rtl": the bundled Verilog
 * accelerator through Verilator), load a compiled model (a .tsp file that
 * `tessel compile` wrote), list its input and output tensors, set inputs,
 * run, read outputs and the run's statistics.
 *
 * Handles are opaque.  Whatever a tessel_*_load or tessel_*_open returns is
 * the caller's, to free with the matching tessel_*_free or
 * tessel_device_close; strings a handle returns live as long as it does.
 * Every function that can fail returns a tessel_status and, when err is not
 * NULL, fills *err with the status and a message naming what was wrong (the
 * file, the tensor, the field).  Nothing in the library aborts or exits, on
 * bad input or when memory runs out.  Separate handles may be used from
 * separate threads; one handle must not be used from two threads at once. */
#ifndef TESSEL_H
#define TESSEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TESSEL_API __attribute__((visibility("default")))
#else
#define TESSEL_API
#endif

#define TESSEL_VERSION_MAJOR 0
#define TESSEL_VERSION_MINOR 1
#define TESSEL_VERSION_PATCH 0

typedef enum tessel_status {
	TESSEL_OK = 0,
	TESSEL_BAD_INPUT = 1,   /* a file, model, tensor or value the caller gave is wrong */
	TESSEL_BAD_USAGE = 2,   /* a NULL handle, calls in the wrong order, an unknown name */
	TESSEL_NO_MEMORY = 3,   /* an allocation failed; nothing was changed */
	TESSEL_RUN_FAILED = 4,  /* the run did not finish: a limit was reached, the program deadlocked */
} tessel_status;

typedef struct tessel_error {
	tessel_status status;
	char message[1024];
} tessel_error;

typedef enum tessel_dtype {
	TESSEL_INT8,
	TESSEL_UINT8,
	TESSEL_INT16,
	TESSEL_INT32,
	TESSEL_FP16,
	TESSEL_FP32,
} tessel_dtype;

typedef struct tessel_hw tessel_hw;
typedef struct tessel_model tessel_model;
typedef struct tessel_device tessel_device;

/* "0.1.0" */
TESSEL_API const char *tessel_version(void);
/* "int8", ...; NULL for a value that is no dtype. */
TESSEL_API const char *tessel_dtype_name(tessel_dtype t);
/* Bytes of one element; 0 for a value that is no dtype. */
TESSEL_API size_t tessel_dtype_size(tessel_dtype t);

/* ---- hardware descriptions ---- */

/* The description in the YAML file at path, or with path NULL the built-in
 * one (VTA's default configuration). */
TESSEL_API tessel_status tessel_hw_load(const char *path, tessel_hw **out, tessel_error *err);
TESSEL_API const char *tessel_hw_name(const tessel_hw *hw);
/* The description's clock, in MHz. */
TESSEL_API double tessel_hw_clock_mhz(const tessel_hw *hw);
TESSEL_API void tessel_hw_free(tessel_hw *hw);

/* ---- compiled models ---- */

/* The model in the .tsp file at path.  With hw not NULL, a model compiled
 * for other hardware is refused; with hw NULL the model runs on the
 * description it carries. */
TESSEL_API tessel_status tessel_model_load(const char *path, const tessel_hw *hw, tessel_model **out,
					   tessel_error *err);
TESSEL_API void tessel_model_free(tessel_model *m);
/* The name of the hardware the model was compiled for. */
TESSEL_API const char *tessel_model_hw_name(const tessel_model *m);
/* The description the model carries (it runs anywhere without the YAML
 * file): the model's, valid while it is; never free it. */
TESSEL_API const tessel_hw *tessel_model_hw(const tessel_model *m);

typedef enum tessel_role { TESSEL_INPUT, TESSEL_OUTPUT } tessel_role;

/* One input or output tensor, in the workload's terms: row major in its
 * layout (e.g. "NHWC"), little-endian. */
typedef struct tessel_tensor_info {
	const char *name;
	tessel_role role;
	tessel_dtype dtype;
	int rank;
	int64_t shape[6];
	const char *layout;  /* one letter per dimension, or "" */
	size_t bytes;        /* elements x dtype size */
	const char *why_not; /* why it cannot be given (an input) or read back
			      * (an output), or NULL when it can */
} tessel_tensor_info;

/* How many input and output tensors the model has. */
TESSEL_API int tessel_model_tensor_count(const tessel_model *m);
/* Tensor i, 0 <= i < tessel_model_tensor_count. */
TESSEL_API tessel_status tessel_model_tensor(const tessel_model *m, int i, tessel_tensor_info *info, tessel_error *err);
/* The index of the tensor named `name`, or -1. */
TESSEL_API int tessel_model_find(const tessel_model *m, const char *name);
/* Input `name`'s values for the next runs: dtype, rank and shape must be
 * the tensor's (what tessel_model_tensor says), data `bytes` bytes.
 * Inputs never set keep the values compiled into the model. */
TESSEL_API tessel_status tessel_model_set_input(tessel_model *m, const char *name, tessel_dtype dtype, int rank,
						const int64_t *shape, const void *data, size_t bytes, tessel_error *err);

/* The same from a NumPy .npy file (dtype and shape must be the tensor's). */
TESSEL_API tessel_status tessel_model_set_input_npy(tessel_model *m, const char *name, const char *path,
						    tessel_error *err);

/* ---- devices and runs ---- */

/* A device of the given name ("sim" or "rtl") for hardware hw (NULL: the
 * built-in description).  The "rtl" device builds (and caches) a Verilated
 * model of the hardware the first time, which takes a minute. */
TESSEL_API tessel_status tessel_device_open(const char *name, const tessel_hw *hw, tessel_device **out,
					    tessel_error *err);
TESSEL_API void tessel_device_close(tessel_device *d);

typedef struct tessel_run_options {
	uint64_t max_cycles;  /* 0: the default limit (10^9 cycles) */
	double max_seconds;   /* wall-clock limit; 0: none */
} tessel_run_options;

enum { TESSEL_MODULES = 4 }; /* fetch, load, compute, store */

typedef struct tessel_stats {
	uint64_t cycles;
	double seconds;                      /* cycles at the description's clock */
	const char *module[TESSEL_MODULES];  /* "fetch", "load", "compute", "store" */
	uint64_t busy[TESSEL_MODULES];       /* cycles executing */
	uint64_t stall[TESSEL_MODULES];      /* cycles with work queued but unable to start */
	uint64_t dram_read, dram_written;    /* bytes over the DRAM channel */
	uint64_t instructions;
	uint64_t macs;
	double utilization;                  /* macs / (cycles x peak MACs per cycle) */
	double host_seconds;                 /* wall time of the model's steps on the host
					      * (gathers, host ops), not in the cycles */
	/* Energy in picojoules (docs/energy.md): the run's counted actions
	 * times the description's energy table, in total and by component. */
	double energy_pj;
	double energy_mac_pj, energy_onchip_pj, energy_dram_pj, energy_alu_pj, energy_leakage_pj;
} tessel_stats;

/* Runs model m (compiled for the device's hardware) on device d, with the
 * inputs set so far; options may be NULL.  stats (or NULL) receives what
 * the run did, also when it stopped at a limit (TESSEL_RUN_FAILED). */
TESSEL_API tessel_status tessel_run(tessel_device *d, tessel_model *m, const tessel_run_options *options,
				    tessel_stats *stats, tessel_error *err);
/* After tessel_run of m on d finished: output `name` into data (its
 * tessel_tensor_info bytes). */
TESSEL_API tessel_status tessel_get_output(tessel_device *d, const tessel_model *m, const char *name, void *data,
					   size_t bytes, tessel_error *err);

/* The same into a NumPy .npy file (written to a temporary in the same
 * directory, then renamed over path). */
TESSEL_API tessel_status tessel_write_output_npy(tessel_device *d, const tessel_model *m, const char *name,
						 const char *path, tessel_error *err);

#ifdef __cplusplus
}
#endif

#endif
