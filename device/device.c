#include "device.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const module_names[DEV_MODULE_COUNT] = {
#define X(id, name) name,
	DEV_MODULES(X)
#undef X
};

const char *dev_module_name(enum dev_module m) { return module_names[m]; }

int dev_load_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p, struct diags *err)
{
	const struct isa_layout *lay = &p->layout;
	size_t code_bytes = (size_t)p->ninsn * lay->insn_bytes, uop_bytes = (size_t)p->nuop * lay->uop_bytes;
	uint8_t *buf = xcalloc(code_bytes + uop_bytes + 1, 1);
	for (int i = 0; i < p->ninsn; i++)
		isa_encode(lay, &p->insn[i], buf + (size_t)i * lay->insn_bytes);
	for (int i = 0; i < p->nuop; i++)
		isa_encode_uop(lay, &p->uop[i], buf + code_bytes + (size_t)i * lay->uop_bytes);
	int rc = ops->write(d, p->code_addr, buf, code_bytes, err) ||
		 ops->write(d, p->uop_addr, buf + code_bytes, uop_bytes, err);
	free(buf);
	for (int i = 0; i < p->nseg && !rc; i++) {
		const struct isa_segment *s = &p->seg[i];
		uint8_t *img = xcalloc(s->size, 1);
		if (s->data_len)
			memcpy(img, s->data, s->data_len);
		rc = ops->write(d, s->addr, img, s->size, err);
		free(img);
	}
	return rc ? -1 : 0;
}

int dev_run_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
		    const struct dev_run_opts *opts, struct dev_stats *st, struct diags *err)
{
	if (dev_load_program(ops, d, p, err))
		return -1;
	return ops->run(d, p->code_addr, (uint32_t)p->ninsn, opts, st, err);
}

int dev_check_dram(uint64_t dram_size, uint64_t addr, uint64_t n, const char *what, struct diags *err)
{
	if (addr > dram_size || n > dram_size - addr) {
		diag_add(err, NULL, 0, 0, "DRAM %s of %" PRIu64 " bytes at 0x%" PRIx64 " is outside DRAM (%" PRIu64 " bytes)",
			 what, n, addr, dram_size);
		return -1;
	}
	return 0;
}
