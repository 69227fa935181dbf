#include "accelerator.h"

#include <cmath>
#include <cstring>

using namespace sc_core;

namespace tessel {

// The C simulator runs inside this thread and may call wait() (through the
// quantum keeper) from deep in its own stack: give it room.
static const size_t RUN_STACK_BYTES = 16u << 20;

Accelerator::Accelerator(sc_module_name name, const struct hw &hw)
	: sc_module(name), regs("regs"), mem("mem"), irq("irq"), hw_(hw),
	  period_(sc_time(1.0 / hw.clock_mhz, SC_US))
{
	regs.register_b_transport(this, &Accelerator::reg_transport);
	irq.initialize(false);
	SC_HAS_PROCESS(Accelerator);
	SC_THREAD(run_thread);
	set_stack_size(RUN_STACK_BYTES);
	// One process drives `irq`, so register writes from any initiator and the
	// end of a run can both change it without two writers on the signal.
	SC_METHOD(drive_irq);
	sensitive << irq_ev_;
	dont_initialize();
}

// ---- control registers ----

void Accelerator::reg_transport(tlm::tlm_generic_payload &t, sc_time &delay)
{
	uint64_t off = t.get_address();
	if (t.get_byte_enable_ptr()) {
		t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
		return;
	}
	if (t.get_data_length() != 4 || t.get_streaming_width() < 4 || off % 4) {
		t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
		return;
	}
	bool ok = true;
	uint32_t v = 0;
	if (t.is_read()) {
		v = reg_read(off, ok);
		std::memcpy(t.get_data_ptr(), &v, 4);
	} else if (t.is_write()) {
		std::memcpy(&v, t.get_data_ptr(), 4);
		bool was_busy = status_ & STATUS_BUSY;
		ok = reg_write(off, v);
		// A run starts at the initiator's local time, not before it.
		if (!was_busy && (status_ & STATUS_BUSY))
			start_ev_.notify(delay);
	}
	t.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

uint32_t Accelerator::reg_read(uint64_t off, bool &ok) const
{
	switch (off) {
	case REG_CTRL: return 0;
	case REG_STATUS: return status_;
	case REG_INSN_ADDR_LO: return (uint32_t)insn_addr_;
	case REG_INSN_ADDR_HI: return (uint32_t)(insn_addr_ >> 32);
	case REG_INSN_COUNT: return insn_count_;
	case REG_CYCLES_LO: return (uint32_t)cycles_;
	case REG_CYCLES_HI: return (uint32_t)(cycles_ >> 32);
	case REG_IRQ_ENABLE: return irq_enable_;
	case REG_IRQ_STATUS: return irq_status_;
	case REG_DRAM_LATENCY: return dram_latency_;
	}
	ok = false;
	return 0;
}

// Returns false for an offset that is not a writable register.  Writes to
// the run's parameters while busy are ignored: the run has already read them.
bool Accelerator::reg_write(uint64_t off, uint32_t v)
{
	bool busy = status_ & STATUS_BUSY;
	switch (off) {
	case REG_CTRL:
		if ((v & CTRL_START) && !busy)
			status_ = STATUS_BUSY; // clears DONE and ERROR
		return true;
	case REG_INSN_ADDR_LO:
		if (!busy)
			insn_addr_ = (insn_addr_ & ~0xffffffffull) | v;
		return true;
	case REG_INSN_ADDR_HI:
		if (!busy)
			insn_addr_ = (insn_addr_ & 0xffffffffull) | (uint64_t)v << 32;
		return true;
	case REG_INSN_COUNT:
		if (!busy)
			insn_count_ = v;
		return true;
	case REG_IRQ_ENABLE:
		irq_enable_ = v & IRQ_DONE;
		irq_ev_.notify(SC_ZERO_TIME);
		return true;
	case REG_IRQ_STATUS:
		irq_status_ &= ~v;
		irq_ev_.notify(SC_ZERO_TIME);
		return true;
	case REG_STATUS:
	case REG_CYCLES_LO:
	case REG_CYCLES_HI:
	case REG_DRAM_LATENCY:
		return true; // read-only: writes are ignored
	}
	return false;
}

void Accelerator::drive_irq() { irq.write((irq_status_ & irq_enable_) != 0); }

// ---- a run ----

void Accelerator::run_thread()
{
	for (;;) {
		wait(start_ev_);
		run_start_ = sc_time_stamp();
		qk_.reset();
		error_.clear();
		stats_ = dev_stats{};
		int64_t latency = 0;
		bool ok = probe_latency(latency) && execute(latency);
		finish(ok);
	}
}

// The memory's latency, in whole cycles, from the delay it adds to one read
// of the first instruction.  A read leaves memory as it is; its delay is not
// added to the run, whose timing the C simulator computes with this latency.
bool Accelerator::probe_latency(int64_t &cycles)
{
	uint8_t buf[8];
	sc_time delay = SC_ZERO_TIME;
	if (!transport(tlm::TLM_READ_COMMAND, insn_addr_, buf, sizeof buf, delay)) {
		error_ = "the memory answered the latency probe (a read of 8 bytes at instruction address " +
			 std::to_string(insn_addr_) + ") with an error";
		return false;
	}
	cycles = std::llround(delay / period_);
	dram_latency_ = (uint32_t)cycles;
	return true;
}

bool Accelerator::execute(int64_t dram_latency)
{
	struct diags err = {};
	struct dev_memory m = {this, dram_read, dram_write};
	struct device *d = sim_open_external(&hw_, &m, dram_latency, &err);
	struct dev_run_opts ro = {};
	ro.max_cycles = max_cycles_;
	ro.max_seconds = max_seconds_;
	int rc = d ? dev_sim.run(d, insn_addr_, insn_count_, &ro, &stats_, &err) : -1;
	if (d)
		dev_sim.close(d);
	for (int i = 0; i < err.n; i++) // run-time errors name no file: the message is all
		error_ += (i ? "\n" : "") + std::string(err.v[i].msg);
	diag_free(&err);
	if (rc && error_.empty())
		error_ = "the run failed";
	return rc == 0;
}

// SystemC time reaches cycle `stats_.cycles` of the run, then the registers
// and the interrupt report the end.
void Accelerator::finish(bool ok)
{
	if (ok) {
		sc_time end = run_start_ + sc_time::from_value(period_.value() * stats_.cycles);
		qk_.set(end - sc_time_stamp());
	}
	qk_.sync();
	cycles_ = ok ? stats_.cycles : 0;
	status_ = ok ? STATUS_DONE : STATUS_ERROR;
	irq_status_ |= IRQ_DONE;
	irq_ev_.notify(SC_ZERO_TIME);
}

// ---- DRAM, through the initiator socket ----

bool Accelerator::transport(tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n, sc_time &delay)
{
	tlm::tlm_generic_payload t;
	init_payload(t, cmd, addr, data, n);
	mem->b_transport(t, delay);
	return t.is_response_ok();
}

// An access at `cycle` of the run is annotated with that cycle's offset from
// the current SystemC time; the quantum keeper decides when to yield.  The
// C simulator makes its accesses in cycle order, so the offset never goes
// back past a sync.
int Accelerator::dram_access(tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n, uint64_t cycle)
{
	if (n > UINT32_MAX) // one generic payload carries at most 4 GiB - 1
		return -1;
	sc_time at = run_start_ + sc_time::from_value(period_.value() * cycle);
	sc_time local = at > sc_time_stamp() ? at - sc_time_stamp() : SC_ZERO_TIME;
	qk_.set(local);
	sc_time delay = local;
	bool ok = transport(cmd, addr, data, n, delay);
	if (qk_.need_sync())
		qk_.sync();
	return ok ? 0 : -1;
}

int Accelerator::dram_read(void *ctx, uint64_t addr, void *dst, uint64_t n, uint64_t cycle)
{
	return static_cast<Accelerator *>(ctx)->dram_access(tlm::TLM_READ_COMMAND, addr, dst, n, cycle);
}

int Accelerator::dram_write(void *ctx, uint64_t addr, const void *src, uint64_t n, uint64_t cycle)
{
	// TLM's payload has one data pointer for both directions; a write only reads it.
	return static_cast<Accelerator *>(ctx)->dram_access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void *>(src),
							    n, cycle);
}

} // namespace tessel
