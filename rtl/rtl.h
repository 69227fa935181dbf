/* rtl: the bundled Verilog accelerator as a device ("rtl").  The model is
 * Verilated for one hardware description, built on first use into
 * $XDG_CACHE_HOME/tessel/rtl/<fingerprint>-<sources hash>/ and loaded with dlopen; see
 * docs/rtl.md. */
#ifndef TESSEL_RTL_H
#define TESSEL_RTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "device/device.h"
#include "rtl_abi.h"

/* Whether the RTL implements this hardware: 0, or -1 with the reason in
 * why[n] ("fp16 arithmetic", ...). */
int rtl_supported(const struct hw *hw, char *why, size_t n);

/* The model for hw: loaded from the cache, built there first if missing
 * (which takes Verilator and a C++ compiler, and tens of seconds), saying
 * so where rtl_report_builds points.  NULL with an error. */
const struct rtl_abi *rtl_model_load(const struct hw *hw, struct diags *err);
/* Where rtl_model_load says it builds a model: the command line's stderr.
 * NULL, the default, says nothing: a program embedding the library keeps
 * its stderr (docs/api.md). */
void rtl_report_builds(FILE *to);
/* The cache directory of hw's model (malloc'd), or NULL with an error. */
char *rtl_model_dir(const struct hw *hw, struct diags *err);
/* Writes the RTL sources with hw's generated header into dir, for tools that
 * read the Verilog (lint, synthesis).  -1 with an error. */
int rtl_write_sources(const struct hw *hw, const char *dir, struct diags *err);

extern const struct dev_ops dev_rtl;

#endif
