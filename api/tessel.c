/* api: the public C API (tessel.h) over the layers below.  Only what
 * tessel.h declares is visible outside the shared library (the build hides
 * everything else); every failure becomes a status and a message, never an
 * abort. */
#include "tessel.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "compiler/compile.h"
#include "compiler/devices.h"
#include "device/device.h"
#include "isa/program.h"

struct tessel_hw {
	struct hw hw; /* only this: tessel_model_hw hands out a program's struct hw as one */
};

struct tessel_model {
	struct isa_program p;
	uint64_t id; /* distinct for every model loaded, so a device knows what it ran */
};

struct tessel_device {
	const struct dev_ops *ops;
	struct device *dev;
	struct hw hw;
	uint64_t ran;   /* the id of the model whose run finished last, 0 none */
	struct cc_host_runner host; /* host steps: its JIT is opened at the first */
};

static atomic_uint_fast64_t next_model_id = 1;

/* ---- errors ---- */

static tessel_status fail(tessel_error *err, tessel_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static tessel_status fail(tessel_error *err, tessel_status st, const char *fmt, ...)
{
	if (err) {
		err->status = st;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* The first of the collected errors ("FILE: error: MSG"), then frees them. */
static tessel_status fail_diags(tessel_error *err, tessel_status st, struct diags *d)
{
	/* "FILE:LINE:COL: error: ..." where a file is named; else the message
	 * alone (diag_format would name the program "tessel") */
	char *text = d->n && d->v[0].file ? diag_format(&d->v[0]) : NULL;
	fail(err, st, "%s", text ? text : d->n ? d->v[0].msg : "an error without a message");
	free(text);
	diag_free(d);
	return st;
}

/* A message that says memory ran out is that, whatever the call. */
static tessel_status status_of(const struct diags *d, tessel_status otherwise)
{
	return d->n && strstr(d->v[0].msg, "cannot allocate") ? TESSEL_NO_MEMORY : otherwise;
}

static tessel_status ok(tessel_error *err)
{
	if (err)
		err->status = TESSEL_OK, err->message[0] = 0;
	return TESSEL_OK;
}

#define NEED(cond, what)                                                      \
	do {                                                                  \
		if (!(cond))                                                  \
			return fail(err, TESSEL_BAD_USAGE, "%s: %s", __func__, what); \
	} while (0)

/* ---- small things ---- */

const char *tessel_version(void)
{
	return "0.1.0";
}

const char *tessel_dtype_name(tessel_dtype t)
{
	return (unsigned)t < DTYPE_COUNT ? dtype_name((enum dtype)t) : NULL;
}

size_t tessel_dtype_size(tessel_dtype t)
{
	return (unsigned)t < DTYPE_COUNT ? dtype_bytes((enum dtype)t) : 0;
}

/* tessel_dtype and enum dtype list the same types in the same order. */
_Static_assert(TESSEL_INT8 == (int)DT_INT8 && TESSEL_UINT8 == (int)DT_UINT8 && TESSEL_INT16 == (int)DT_INT16 &&
		       TESSEL_INT32 == (int)DT_INT32 && TESSEL_FP16 == (int)DT_FP16 && TESSEL_FP32 == (int)DT_FP32 &&
		       DTYPE_COUNT == 6,
	       "tessel_dtype follows base/dtype.h");
_Static_assert((int)TESSEL_MODULES == (int)DEV_MODULE_COUNT, "tessel_stats has one entry per module");

/* ---- hardware ---- */

tessel_status tessel_hw_load(const char *path, tessel_hw **out, tessel_error *err)
{
	NEED(out, "out is NULL");
	*out = NULL;
	tessel_hw *h = try_calloc(1, sizeof *h);
	if (!h)
		return fail(err, TESSEL_NO_MEMORY, "cannot allocate %zu bytes for a hardware description", sizeof *h);
	struct diags d = {0};
	if (path ? hw_load_file(path, &h->hw, &d) : hw_load_default(&h->hw, &d)) {
		free(h);
		return fail_diags(err, status_of(&d, TESSEL_BAD_INPUT), &d);
	}
	*out = h;
	return ok(err);
}

const char *tessel_hw_name(const tessel_hw *hw)
{
	return hw ? hw->hw.name : NULL;
}

double tessel_hw_clock_mhz(const tessel_hw *hw)
{
	return hw ? hw->hw.clock_mhz : 0;
}

void tessel_hw_free(tessel_hw *hw)
{
	free(hw);
}

/* ---- models ---- */

tessel_status tessel_model_load(const char *path, const tessel_hw *hw, tessel_model **out, tessel_error *err)
{
	NEED(out, "out is NULL");
	*out = NULL;
	NEED(path, "path is NULL");
	tessel_model *m = try_calloc(1, sizeof *m);
	if (!m)
		return fail(err, TESSEL_NO_MEMORY, "cannot allocate %zu bytes for a model", sizeof *m);
	struct diags d = {0};
	if (isa_tsp_read(path, &m->p, &d)) {
		free(m);
		return fail_diags(err, status_of(&d, TESSEL_BAD_INPUT), &d);
	}
	if (hw && hw_fingerprint(&hw->hw) != hw_fingerprint(&m->p.hw)) {
		tessel_status st = fail(err, TESSEL_BAD_INPUT, "%s: error: the model was compiled for hardware '%s', not for '%s'",
					path, m->p.hw.name, hw->hw.name);
		isa_program_free(&m->p);
		free(m);
		return st;
	}
	m->id = atomic_fetch_add(&next_model_id, 1);
	*out = m;
	return ok(err);
}

void tessel_model_free(tessel_model *m)
{
	if (!m)
		return;
	isa_program_free(&m->p);
	free(m);
}

const char *tessel_model_hw_name(const tessel_model *m)
{
	return m ? m->p.hw.name : NULL;
}

const tessel_hw *tessel_model_hw(const tessel_model *m)
{
	/* a tessel_hw is a struct hw and nothing more: the program's own serves */
	return m ? (const tessel_hw *)&m->p.hw : NULL;
}

int tessel_model_tensor_count(const tessel_model *m)
{
	return m ? m->p.nport : 0;
}

tessel_status tessel_model_tensor(const tessel_model *m, int i, tessel_tensor_info *info, tessel_error *err)
{
	NEED(m && info, "a NULL model or info");
	if (i < 0 || i >= m->p.nport)
		return fail(err, TESSEL_BAD_USAGE, "tessel_model_tensor: index %d; the model has %d tensors", i, m->p.nport);
	const struct isa_port *pt = &m->p.port[i];
	memset(info, 0, sizeof *info);
	info->name = pt->name;
	info->role = pt->kind == ISA_PORT_INPUT ? TESSEL_INPUT : TESSEL_OUTPUT;
	info->dtype = (tessel_dtype)pt->dtype;
	info->rank = pt->rank;
	memcpy(info->shape, pt->shape, sizeof *pt->shape * (size_t)pt->rank);
	info->layout = pt->layout;
	info->bytes = (size_t)isa_port_bytes(pt);
	info->why_not = pt->why_not;
	return ok(err);
}

int tessel_model_find(const tessel_model *m, const char *name)
{
	return m && name ? isa_program_port(&m->p, name) : -1;
}

tessel_status tessel_model_set_input(tessel_model *m, const char *name, tessel_dtype dtype, int rank,
				     const int64_t *shape, const void *data, size_t bytes, tessel_error *err)
{
	NEED(m && name && (shape || rank == 0) && data, "a NULL model, name, shape or data");
	struct diags d = {0};
	int i = isa_program_input_port(&m->p, name, &d);
	if (i < 0)
		return fail_diags(err, TESSEL_BAD_INPUT, &d);
	const struct isa_port *pt = &m->p.port[i];
	if ((unsigned)dtype >= DTYPE_COUNT || rank < 0 || rank > ISA_PORT_MAX_RANK ||
	    isa_port_check_array(pt, (enum dtype)dtype, rank, shape, NULL, &d))
		return d.n ? fail_diags(err, TESSEL_BAD_INPUT, &d)
			   : fail(err, TESSEL_BAD_INPUT, "tensor '%s': dtype %d and rank %d are not one of tessel's", name,
				  (int)dtype, rank);
	if (bytes != isa_port_bytes(pt))
		return fail(err, TESSEL_BAD_INPUT, "tensor '%s' is %llu bytes; %zu were given", name,
			    (unsigned long long)isa_port_bytes(pt), bytes);
	if (isa_program_set_input(&m->p, i, data, &d))
		return fail_diags(err, TESSEL_NO_MEMORY, &d);
	return ok(err);
}

tessel_status tessel_model_set_input_npy(tessel_model *m, const char *name, const char *path, tessel_error *err)
{
	NEED(m && name && path, "a NULL model, name or path");
	struct diags d = {0};
	if (isa_program_input_npy(&m->p, name, path, &d))
		return fail_diags(err, status_of(&d, TESSEL_BAD_INPUT), &d);
	return ok(err);
}

/* ---- devices ---- */

tessel_status tessel_device_open(const char *name, const tessel_hw *hw, tessel_device **out, tessel_error *err)
{
	NEED(out, "out is NULL");
	*out = NULL;
	NEED(name, "name is NULL");
	const struct dev_ops *ops = dev_lookup(name);
	if (!ops)
		return fail(err, TESSEL_BAD_USAGE, "unknown device '%s'; expected sim or rtl", name);
	tessel_device *d = try_calloc(1, sizeof *d);
	if (!d)
		return fail(err, TESSEL_NO_MEMORY, "cannot allocate %zu bytes for a device", sizeof *d);
	d->ops = ops;
	cc_host_runner_init(&d->host);
	struct diags e = {0};
	if (hw)
		d->hw = hw->hw;
	if ((!hw && hw_load_default(&d->hw, &e)) || !(d->dev = ops->open(&d->hw, &e))) {
		free(d);
		return fail_diags(err, status_of(&e, TESSEL_BAD_INPUT), &e);
	}
	*out = d;
	return ok(err);
}

void tessel_device_close(tessel_device *d)
{
	if (!d)
		return;
	d->ops->close(d->dev);
	cc_host_runner_close(&d->host);
	free(d);
}

static void fill_stats(const struct dev_stats *st, const struct hw *hw, tessel_stats *s)
{
	double clock_mhz = hw->clock_mhz;
	struct hw_energy_report e;
	memset(s, 0, sizeof *s);
	s->cycles = st->cycles;
	s->seconds = clock_mhz > 0 ? (double)st->cycles / (clock_mhz * 1e6) : 0;
	for (int k = 0; k < DEV_MODULE_COUNT; k++) {
		s->module[k] = dev_module_name((enum dev_module)k);
		s->busy[k] = st->busy[k], s->stall[k] = st->stall[k];
	}
	s->dram_read = st->dram_read, s->dram_written = st->dram_written;
	s->instructions = st->insns_total;
	s->macs = st->macs;
	s->utilization = st->cycles && st->peak_macs_per_cycle > 0
				 ? (double)st->macs / ((double)st->cycles * st->peak_macs_per_cycle)
				 : 0;
	s->host_seconds = st->host_seconds;
	hw_energy_of(hw, &st->act, st->dram_read, st->dram_written, st->cycles, &e);
	s->energy_pj = e.total;
	s->energy_mac_pj = e.part[HW_ENERGY_MAC], s->energy_onchip_pj = e.part[HW_ENERGY_ONCHIP];
	s->energy_dram_pj = e.part[HW_ENERGY_DRAM], s->energy_alu_pj = e.part[HW_ENERGY_ALU];
	s->energy_leakage_pj = e.part[HW_ENERGY_LEAKAGE];
}

tessel_status tessel_run(tessel_device *d, tessel_model *m, const tessel_run_options *options, tessel_stats *stats,
			 tessel_error *err)
{
	NEED(d && m, "a NULL device or model");
	if (hw_fingerprint(&d->hw) != hw_fingerprint(&m->p.hw))
		return fail(err, TESSEL_BAD_INPUT, "the model was compiled for hardware '%s'; the device is for '%s'",
			    m->p.hw.name, d->hw.name);
	struct dev_run_opts ro = {.max_cycles = DEV_DEFAULT_MAX_CYCLES, .host = &d->host.dev};
	if (options && options->max_cycles)
		ro.max_cycles = options->max_cycles;
	if (options && options->max_seconds > 0)
		ro.max_seconds = options->max_seconds;
	struct dev_stats st = {0};
	struct diags e = {0};
	d->ran = 0;
	int rc = dev_run_program(d->ops, d->dev, &m->p, &ro, &st, &e);
	if (stats)
		fill_stats(&st, &d->hw, stats);
	if (rc)
		return fail_diags(err, st.limit ? TESSEL_RUN_FAILED : status_of(&e, TESSEL_RUN_FAILED), &e);
	d->ran = m->id;
	return ok(err);
}

tessel_status tessel_get_output(tessel_device *d, const tessel_model *m, const char *name, void *data, size_t bytes,
				tessel_error *err)
{
	NEED(d && m && name && data, "a NULL device, model, name or data");
	if (d->ran != m->id)
		return fail(err, TESSEL_BAD_USAGE, "tessel_get_output: the model has not finished a run on this device");
	struct diags e = {0};
	int i = isa_program_output_port(&m->p, name, &e);
	if (i < 0)
		return fail_diags(err, TESSEL_BAD_INPUT, &e);
	if (bytes != isa_port_bytes(&m->p.port[i]))
		return fail(err, TESSEL_BAD_INPUT, "tensor '%s' is %llu bytes; room for %zu was given", name,
			    (unsigned long long)isa_port_bytes(&m->p.port[i]), bytes);
	if (dev_read_output(d->ops, d->dev, &m->p, i, data, &e))
		return fail_diags(err, status_of(&e, TESSEL_RUN_FAILED), &e);
	return ok(err);
}

tessel_status tessel_write_output_npy(tessel_device *d, const tessel_model *m, const char *name, const char *path,
				      tessel_error *err)
{
	NEED(d && m && name && path, "a NULL device, model, name or path");
	int i = isa_program_port(&m->p, name);
	size_t bytes = i >= 0 ? (size_t)isa_port_bytes(&m->p.port[i]) : 0;
	uint8_t *data = try_malloc(bytes + 1);
	if (!data)
		return fail(err, TESSEL_NO_MEMORY, "cannot allocate %zu bytes for output '%s'", bytes, name);
	tessel_status st = tessel_get_output(d, m, name, data, bytes, err);
	struct diags e = {0};
	if (st == TESSEL_OK && isa_port_write_npy(&m->p.port[i], data, path, &e))
		st = fail_diags(err, status_of(&e, TESSEL_BAD_INPUT), &e);
	free(data);
	return st;
}
