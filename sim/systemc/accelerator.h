// The tessel accelerator as a SystemC TLM-2.0 module (loosely timed).
//
// There is no second model of the machine here: each run opens the C
// simulator (sim/) with its DRAM outside it (sim_open_external), so every
// DRAM access it makes -- instruction fetch, loads, stores -- becomes a
// b_transport on the `mem` initiator socket, annotated with the simulated
// cycle at which it happens.  The C simulator computes all timing from the
// hardware description; the memory's latency enters once, measured by a probe
// read at start.  Register map and usage: docs/systemc.md.
#ifndef TESSEL_SYSTEMC_ACCELERATOR_H
#define TESSEL_SYSTEMC_ACCELERATOR_H

#include <cstdint>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sim/simulator.h"

namespace tessel {

// Control registers: 32 bits each, at these byte offsets of `regs`.
enum Reg : uint64_t {
	REG_CTRL = 0x00,         // W: bit 0 START (ignored while busy); reads 0
	REG_STATUS = 0x04,       // R: bit 0 BUSY, bit 1 DONE, bit 2 ERROR
	REG_INSN_ADDR_LO = 0x08, // RW: DRAM byte address of the first instruction
	REG_INSN_ADDR_HI = 0x0c, // RW
	REG_INSN_COUNT = 0x10,   // RW: number of instructions
	REG_CYCLES_LO = 0x18,    // R: cycle count of the last run
	REG_CYCLES_HI = 0x1c,    // R
	REG_IRQ_ENABLE = 0x20,   // RW: bit 0 enables the done interrupt
	REG_IRQ_STATUS = 0x24,   // R, write 1 to clear: bit 0 a run ended
	REG_DRAM_LATENCY = 0x28, // R: DRAM latency (cycles) the last run used
	REG_SPACE = 0x30         // bytes the registers span
};

enum : uint32_t {
	CTRL_START = 1u << 0,
	STATUS_BUSY = 1u << 0,
	STATUS_DONE = 1u << 1,
	STATUS_ERROR = 1u << 2,
	IRQ_DONE = 1u << 0,
};

// A plain read or write of n bytes at addr from/to data, ready to transport.
inline void init_payload(tlm::tlm_generic_payload &t, tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n)
{
	t.set_command(cmd);
	t.set_address(addr);
	t.set_data_ptr(static_cast<unsigned char *>(data));
	t.set_data_length((unsigned)n);
	t.set_streaming_width((unsigned)n);
	t.set_byte_enable_ptr(nullptr);
	t.set_dmi_allowed(false);
	t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

class Accelerator : public sc_core::sc_module {
public:
	tlm_utils::simple_target_socket<Accelerator> regs;   // control registers
	tlm_utils::simple_initiator_socket<Accelerator> mem; // every DRAM access
	sc_core::sc_out<bool> irq;                           // level: IRQ_STATUS & IRQ_ENABLE

	// The accelerator that `hw` describes (copied; it need not outlive this).
	Accelerator(sc_core::sc_module_name name, const struct hw &hw);

	sc_core::sc_time clock_period() const { return period_; }
	// Limits on every run from now on, as `tessel run`'s --max-cycles and
	// --max-seconds (struct dev_run_opts; 0: none).  A run stopped at one
	// ends with STATUS_ERROR, the error saying which, and its statistics
	// until then.  They are the simulation's, not the device's: no register.
	void set_limits(uint64_t max_cycles, double max_seconds)
	{
		max_cycles_ = max_cycles;
		max_seconds_ = max_seconds;
	}
	// Details of the last run, for a platform to report.
	const struct dev_stats &stats() const { return stats_; }
	const std::string &error() const { return error_; } // empty unless STATUS_ERROR

private:
	struct hw hw_;
	sc_core::sc_time period_;
	tlm_utils::tlm_quantumkeeper qk_;
	sc_core::sc_time run_start_; // SystemC time of cycle 0 of the current run
	sc_core::sc_event start_ev_, irq_ev_;

	uint32_t status_ = 0, insn_count_ = 0, irq_enable_ = 0, irq_status_ = 0, dram_latency_ = 0;
	uint64_t insn_addr_ = 0, cycles_ = 0;
	uint64_t max_cycles_ = DEV_DEFAULT_MAX_CYCLES;
	double max_seconds_ = 0;
	struct dev_stats stats_ {};
	std::string error_;

	void reg_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
	uint32_t reg_read(uint64_t off, bool &ok) const;
	bool reg_write(uint64_t off, uint32_t v);

	void run_thread();
	void drive_irq();
	bool probe_latency(int64_t &cycles);
	bool execute(int64_t dram_latency);
	void finish(bool ok);

	bool transport(tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n, sc_core::sc_time &delay);
	int dram_access(tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n, uint64_t cycle);
	static int dram_read(void *ctx, uint64_t addr, void *dst, uint64_t n, uint64_t cycle);
	static int dram_write(void *ctx, uint64_t addr, const void *src, uint64_t n, uint64_t cycle);
};

} // namespace tessel

#endif
