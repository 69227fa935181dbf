// A virtual platform around the tessel accelerator's TLM-2.0 model, and the
// `tessel-tlm` command: it runs one compiled program (.tsp) the way software
// on a host CPU would drive the device.
//
//   driver ──► bus ──► memory       (the accelerator's DRAM, at 0)
//               │ └──► accelerator.regs (just above the memory)
//   accelerator.mem ──► bus          (every DRAM access of the accelerator)
//   accelerator.irq ──► driver
//
// The driver writes the program's instructions, micro-ops and segments into
// memory, programs the registers, waits for the interrupt, and reads back the
// output segments.  See docs/systemc.md.
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "base/alloc.h"
#include "base/npy.h"
#include "base/output.h"
#include "compiler/runner.h"
#include "isa/program.h"
#include "sim/systemc/accelerator.h"

using namespace sc_core;

// ---- memory: a byte array answering after a fixed latency per access ----

// The DRAM's bytes, from the allocator the simulator's own DRAM comes from
// (try_alloc_pages: fresh pages, so a large DRAM costs only the pages a
// program touches).  Allocated before the platform is built, so that a
// DRAM the host cannot give is an error the command reports, not a SystemC
// fatal report (which aborts).
struct Dram {
	uint64_t size;
	uint8_t *bytes;

	explicit Dram(uint64_t n) : size(n), bytes(static_cast<uint8_t *>(try_alloc_pages(n))) {}
	~Dram()
	{
		if (bytes)
			free_pages(bytes, size);
	}
	Dram(const Dram &) = delete;
	Dram &operator=(const Dram &) = delete;
};

class Memory : public sc_module {
public:
	tlm_utils::simple_target_socket<Memory> socket;

	Memory(sc_module_name name, Dram &dram, sc_time latency)
		: sc_module(name), socket("socket"), size_(dram.size), latency_(latency), bytes_(dram.bytes)
	{
		socket.register_b_transport(this, &Memory::b_transport);
	}

private:
	uint64_t size_;
	sc_time latency_;
	uint8_t *bytes_; // the Dram's

	void b_transport(tlm::tlm_generic_payload &t, sc_time &delay)
	{
		uint64_t addr = t.get_address(), n = t.get_data_length();
		if (addr > size_ || n > size_ - addr) {
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
			return;
		}
		if (t.get_byte_enable_ptr()) {
			t.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
			return;
		}
		if (t.get_streaming_width() != n) {
			t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
			return;
		}
		if (t.is_read())
			std::memcpy(t.get_data_ptr(), bytes_ + addr, n);
		else if (t.is_write())
			std::memcpy(bytes_ + addr, t.get_data_ptr(), n);
		delay += latency_;
		t.set_response_status(tlm::TLM_OK_RESPONSE);
	}
};

// ---- bus: routes by address to the memory or the accelerator's registers ----

class Bus : public sc_module {
public:
	tlm_utils::multi_passthrough_target_socket<Bus> in; // any number of initiators
	tlm_utils::simple_initiator_socket<Bus> to_mem, to_regs;

	Bus(sc_module_name name, uint64_t mem_size, uint64_t reg_base)
		: sc_module(name), in("in"), to_mem("to_mem"), to_regs("to_regs"), mem_size_(mem_size),
		  reg_base_(reg_base)
	{
		in.register_b_transport(this, &Bus::b_transport);
	}

	// Bytes each initiator (by binding order) read from and wrote to memory.
	uint64_t mem_read[2] = {0, 0}, mem_written[2] = {0, 0};

private:
	uint64_t mem_size_, reg_base_;

	void b_transport(int initiator, tlm::tlm_generic_payload &t, sc_time &delay)
	{
		uint64_t addr = t.get_address();
		if (addr < mem_size_) {
			to_mem->b_transport(t, delay);
			if (t.is_response_ok() && initiator < 2)
				(t.is_read() ? mem_read : mem_written)[initiator] += t.get_data_length();
		} else if (addr >= reg_base_ && addr - reg_base_ < tessel::REG_SPACE) {
			t.set_address(addr - reg_base_); // targets see offsets in their window
			to_regs->b_transport(t, delay);
			t.set_address(addr);
		} else {
			t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
		}
	}
};

// ---- driver: what software on the host would do ----

struct RunResult {
	int status = 1; // the exit status: 0, or 1 when the run failed
	uint64_t cycles = 0;
	int runs = 0; // runs of the accelerator (a program's steps), each starting with the latency probe
	uint64_t acc_read = 0, acc_written = 0; // the accelerator's memory traffic
	sc_time elapsed, period;
	std::string error;
	std::vector<std::vector<uint8_t>> outputs; // per segment; empty unless output
};

class Driver : public sc_module {
public:
	tlm_utils::simple_initiator_socket<Driver> bus;
	sc_in<bool> irq;

	Driver(sc_module_name name, const struct isa_program &p, uint64_t reg_base, const tessel::Accelerator &acc,
	       RunResult &res)
		: sc_module(name), bus("bus"), irq("irq"), p_(p), reg_base_(reg_base), acc_(acc), res_(res)
	{
		SC_HAS_PROCESS(Driver);
		SC_THREAD(main);
	}

private:
	const struct isa_program &p_;
	uint64_t reg_base_;
	const tessel::Accelerator &acc_; // only for its error text, which no register holds
	RunResult &res_;
	sc_event never_; // never notified: what the finished driver waits on

	// One access; the driver keeps no local time, it waits out each delay.
	void access(tlm::tlm_command cmd, uint64_t addr, void *data, uint64_t n)
	{
		tlm::tlm_generic_payload t;
		tessel::init_payload(t, cmd, addr, data, n);
		sc_time delay = SC_ZERO_TIME;
		bus->b_transport(t, delay);
		if (!t.is_response_ok())
			SC_REPORT_FATAL("driver", ("bus error at address " + std::to_string(addr)).c_str());
		wait(delay);
	}
	void write_mem(uint64_t addr, const void *src, uint64_t n)
	{
		access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void *>(src), n);
	}
	void write_reg(uint64_t off, uint32_t v) { access(tlm::TLM_WRITE_COMMAND, reg_base_ + off, &v, 4); }
	uint32_t read_reg(uint64_t off)
	{
		uint32_t v = 0;
		access(tlm::TLM_READ_COMMAND, reg_base_ + off, &v, 4);
		return v;
	}

	// What dev_load_program (device/device.c) writes: the encoded instructions at
	// code_addr, the encoded micro-ops at uop_addr, every segment in full.
	void load_program()
	{
		const struct isa_layout *lay = &p_.layout;
		std::vector<uint8_t> buf((size_t)p_.ninsn * lay->insn_bytes);
		for (int i = 0; i < p_.ninsn; i++)
			isa_encode(lay, &p_.insn[i], buf.data() + (size_t)i * lay->insn_bytes);
		write_mem(p_.code_addr, buf.data(), buf.size());
		buf.assign((size_t)p_.nuop * lay->uop_bytes, 0);
		for (int i = 0; i < p_.nuop; i++)
			isa_encode_uop(lay, &p_.uop[i], buf.data() + (size_t)i * lay->uop_bytes);
		if (!buf.empty())
			write_mem(p_.uop_addr, buf.data(), buf.size());
		for (int i = 0; i < p_.nseg; i++) {
			const struct isa_segment *s = &p_.seg[i];
			buf.assign(s->size, 0);
			if (s->data_len)
				std::memcpy(buf.data(), s->data, s->data_len);
			if (!buf.empty())
				write_mem(s->addr, buf.data(), buf.size());
		}
	}

	// One run of `count` instructions from `addr`: its cycles and time added; false when it failed.
	bool run(uint64_t addr, uint32_t count)
	{
		write_reg(tessel::REG_INSN_ADDR_LO, (uint32_t)addr);
		write_reg(tessel::REG_INSN_ADDR_HI, (uint32_t)(addr >> 32));
		write_reg(tessel::REG_INSN_COUNT, count);
		write_reg(tessel::REG_IRQ_ENABLE, tessel::IRQ_DONE);
		write_reg(tessel::REG_CTRL, tessel::CTRL_START);
		sc_time started = sc_time_stamp();
		while (!irq.read())
			wait(irq.value_changed_event());
		res_.elapsed += sc_time_stamp() - started;
		res_.runs++;
		uint32_t status = read_reg(tessel::REG_STATUS);
		write_reg(tessel::REG_IRQ_STATUS, tessel::IRQ_DONE); // acknowledge
		if (!(status & tessel::STATUS_DONE)) {
			res_.error = acc_.error();
			return false;
		}
		res_.cycles += read_reg(tessel::REG_CYCLES_LO) | (uint64_t)read_reg(tessel::REG_CYCLES_HI) << 32;
		return true;
	}

	// A gather step (docs/program.md): the driver, as the host, rewrites
	// one segment from another between runs.
	void gather(const struct isa_step &g)
	{
		uint64_t span = isa_gather_span(&g);
		std::vector<uint8_t> src(span), dst(g.n, 0);
		if (span)
			access(tlm::TLM_READ_COMMAND, g.src, src.data(), span);
		for (uint64_t k = 0; k < g.n; k++)
			if (g.from[k] != ISA_GATHER_ZERO)
				dst[k] = src[g.from[k]];
		write_mem(g.dst, dst.data(), g.n);
	}

	// A host step (docs/program.md): the driver, as the host, reads the
	// op's operands, computes it with tessel's host backend and writes its
	// result; false when it failed.
	bool host_op(const struct isa_host_op &h, struct cc_host_runner &host)
	{
		std::vector<std::vector<uint8_t>> ins((size_t)h.nin);
		const uint8_t *in_ptrs[ISA_HOST_MAX_IN] = {};
		for (int k = 0; k < h.nin; k++) {
			ins[k].resize(h.in_bytes[k]);
			access(tlm::TLM_READ_COMMAND, h.in_addr[k], ins[k].data(), h.in_bytes[k]);
			in_ptrs[k] = ins[k].data();
		}
		std::vector<uint8_t> out(h.out_bytes);
		struct diags err = {};
		bool ok = !host.dev.run(host.dev.ctx, &h, in_ptrs, out.data(), &err);
		if (ok)
			write_mem(h.out_addr, out.data(), h.out_bytes);
		else
			res_.error = err.n ? err.v[0].msg : "host op failed";
		diag_free(&err);
		return ok;
	}

	void main()
	{
		load_program();
		const uint32_t bytes = p_.layout.insn_bytes;
		bool ok = true;
		struct cc_host_runner host;
		cc_host_runner_init(&host);
		if (!p_.nstep)
			ok = run(p_.code_addr, (uint32_t)p_.ninsn);
		for (int i = 0; i < p_.nstep && ok; i++) {
			const struct isa_step &st = p_.step[i];
			if (st.kind == ISA_STEP_RUN)
				ok = run(p_.code_addr + (uint64_t)st.first * bytes, st.count);
			else if (st.kind == ISA_STEP_HOST)
				ok = host_op(p_.host[st.host], host);
			else
				gather(st);
		}
		cc_host_runner_close(&host);
		if (ok)
			read_outputs();
		// The thread stops the simulation and stays suspended instead of
		// returning: a finished SystemC thread's stack is freed while the
		// sanitizers' record of the running fiber may still name it, and
		// their leak check at exit would read the freed stack.
		sc_core::sc_stop();
		wait(never_);
	}

	void read_outputs()
	{
		res_.outputs.resize(p_.nseg);
		for (int i = 0; i < p_.nseg; i++) {
			const struct isa_segment *s = &p_.seg[i];
			if (s->kind != ISA_SEG_OUTPUT || !s->size)
				continue;
			res_.outputs[i].resize(s->size);
			access(tlm::TLM_READ_COMMAND, s->addr, res_.outputs[i].data(), s->size);
		}
		res_.status = 0;
	}
};

// ---- the command ----

static const char USAGE[] =
	"usage: tessel-tlm PROG.tsp [--mem-latency CYCLES] [--dump-outputs FILE]\n"
	"                 [--input NAME=FILE.npy]... [--output NAME=FILE.npy]...\n"
	"                 [--max-cycles N] [--max-seconds S]\n"
	"Runs a program on the SystemC TLM-2.0 model of its accelerator, in a virtual\n"
	"platform (memory, bus, driver), and prints its outputs and cycle count.\n"
	"  --mem-latency CYCLES  the memory's latency per access (default: the\n"
	"                        description's dram.latency, which gives the same\n"
	"                        cycle count as 'tessel run')\n"
	"  --dump-outputs FILE   write every output segment in full to FILE\n"
	"  --input NAME=FILE.npy   the program's input tensor NAME from FILE\n"
	"  --output NAME=FILE.npy  its output tensor NAME to FILE, after the run (of a\n"
	"                        program without tensors, output segment NAME's bytes)\n"
	"  --max-cycles N        stop a run not finished by cycle N (default 1000000000;\n"
	"                        0: no limit)\n"
	"  --max-seconds S       stop a run after S seconds of wall-clock time (default:\n"
	"                        no limit)\n"
	"Exit status: 0 success, 1 bad input or a failed run, 2 bad usage.\n";

struct Tensor {
	std::string name;
	const char *file;
};

struct Args {
	const char *prog = nullptr, *dump = nullptr;
	long long mem_latency = -1; // -1: the description's
	std::vector<Tensor> inputs, outputs;
	uint64_t max_cycles = DEV_DEFAULT_MAX_CYCLES;
	double max_seconds = 0;
};

// "NAME=FILE" into t; false when it is not that.
static bool tensor_arg(const char *v, Tensor &t)
{
	const char *eq = std::strchr(v, '=');
	if (!eq || eq == v || !eq[1])
		return false;
	t.name.assign(v, eq - v);
	t.file = eq + 1;
	return true;
}

static int usage_error(const std::string &msg)
{
	std::fprintf(stderr, "tessel-tlm: error: %s\n%s", msg.c_str(), USAGE);
	return 2;
}

// 0, 2 (bad usage, reported), or -1 for --help.
static int parse_args(int argc, char **argv, Args &a)
{
	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		if (arg == "--help" || arg == "-h")
			return -1;
		if (arg == "--mem-latency" || arg == "--dump-outputs" || arg == "--input" || arg == "--output" ||
		    arg == "--max-cycles" || arg == "--max-seconds") {
			if (i + 1 >= argc)
				return usage_error(arg + " needs a value");
			const char *v = argv[++i];
			if (arg == "--dump-outputs") {
				a.dump = v;
				continue;
			}
			if (arg == "--max-cycles" || arg == "--max-seconds") {
				char *end;
				errno = 0;
				bool cycles = arg == "--max-cycles";
				double x = cycles ? 0 : std::strtod(v, &end);
				unsigned long long c = cycles ? std::strtoull(v, &end, 10) : 0;
				if (!*v || *end || errno || v[0] == '-' || (!cycles && !(x >= 0 && x <= 1e9)))
					return usage_error(cycles ? "--max-cycles takes a whole number of cycles (0 for no limit), not '" +
									    std::string(v) + "'"
								  : "--max-seconds takes a number of seconds from 0 (no limit) to 1e9, not '" +
									    std::string(v) + "'");
				if (cycles)
					a.max_cycles = c;
				else
					a.max_seconds = x;
				continue;
			}
			if (arg == "--input" || arg == "--output") {
				Tensor t;
				if (!tensor_arg(v, t))
					return usage_error(arg + " '" + v + "': expected NAME=FILE.npy");
				(arg == "--input" ? a.inputs : a.outputs).push_back(t);
				continue;
			}
			char *end;
			errno = 0;
			a.mem_latency = std::strtoll(v, &end, 10);
			if (!*v || *end || errno || a.mem_latency < 0 || a.mem_latency > 1000000)
				return usage_error("--mem-latency takes a whole number of cycles from 0 to 1000000, not '" +
						   std::string(v) + "'");
		} else if (arg.size() > 1 && arg[0] == '-') {
			return usage_error("unknown option '" + arg + "'");
		} else if (a.prog) {
			return usage_error("more than one program ('" + std::string(a.prog) + "' and '" + arg + "')");
		} else {
			a.prog = argv[i];
		}
	}
	if (!a.prog)
		return usage_error("no program given");
	return 0;
}

// A file the command reads or writes, and the option naming it.
struct File {
	std::string what; // "input" (the program), "--input NAME", "--dump-outputs", "--output NAME"
	const char *path;
};

// An output that is an input (the program, an --input file) or another
// output -- the same file by device and inode (out_same_file, base/output.c),
// so also through another name or a link -- is refused before any work,
// exit status 2, as by every tessel command (docs/cli.md, "Outputs";
// cli_check_outputs in cli/main.c).  0 when there is none.
static int check_outputs(const Args &a)
{
	std::vector<File> in = {{"input", a.prog}}, out;
	for (const Tensor &t : a.inputs)
		in.push_back({"input --input " + t.name, t.file});
	if (a.dump)
		out.push_back({"--dump-outputs", a.dump});
	for (const Tensor &t : a.outputs)
		out.push_back({"--output " + t.name, t.file});
	for (size_t i = 0; i < out.size(); i++) {
		for (const File &f : in)
			if (out_same_file(out[i].path, f.path))
				return usage_error("the output " + out[i].what + " '" + out[i].path + "' is the " + f.what + " '" +
						   f.path + "' (the same file), which it would overwrite; expected another output file");
		for (size_t j = 0; j < i; j++)
			if (out_clash(out[i].path, out[j].path)) // /dev/null twice is no clash
				return usage_error("the outputs " + out[j].what + " and " + out[i].what + " are the same file '" +
						   out[i].path + "'; expected two files");
	}
	return 0;
}

// A tensor given twice to --input or to --output: exit status 1, as
// tessel run's (cli_check_tensors in cli/tensors.c).  0 when none is.
static int check_names(const Args &a)
{
	for (const std::vector<Tensor> *ts : {&a.inputs, &a.outputs})
		for (size_t i = 0; i < ts->size(); i++)
			for (size_t j = 0; j < i; j++)
				if ((*ts)[i].name == (*ts)[j].name) {
					std::fprintf(stderr, "tessel-tlm: error: tensor '%s' is given to --%s twice\n",
						     (*ts)[i].name.c_str(), ts == &a.inputs ? "input" : "output");
					return 1;
				}
	return 0;
}

static void print_hex(FILE *out, const std::vector<uint8_t> &b, size_t limit, size_t per_line, const char *indent)
{
	size_t n = b.size() < limit ? b.size() : limit;
	for (size_t i = 0; i < n; i++)
		std::fprintf(out, "%s%02x%s", i % per_line ? " " : indent, b[i], (i + 1) % per_line && i + 1 < n ? "" : "\n");
	if (n < b.size())
		std::fprintf(out, "%s... %zu more bytes\n", indent, b.size() - n);
}

static void print_outputs(const struct isa_program &p, const RunResult &r)
{
	for (int i = 0; i < p.nseg; i++)
		if (p.seg[i].kind == ISA_SEG_OUTPUT) {
			std::printf("output %s (%" PRIu64 " bytes at 0x%" PRIx64 "):\n", p.seg[i].name, p.seg[i].size,
				    p.seg[i].addr);
			print_hex(stdout, r.outputs[i], 64, 16, "  ");
		}
}

// The dump format, shared with tests/systemc/sim_ref.c: per output segment a
// line "NAME SIZE", then its bytes in hex, 32 a line.
// Written as every tessel output is (base/output.h): a temporary renamed
// into place, so a failed write leaves what was there.
static int dump_outputs(const char *path, const struct isa_program &p, const RunResult &r)
{
	struct diags err = {};
	struct out_file o;
	FILE *f = out_open(&o, path, &err);
	if (f) {
		for (int i = 0; i < p.nseg; i++)
			if (p.seg[i].kind == ISA_SEG_OUTPUT) {
				std::fprintf(f, "%s %" PRIu64 "\n", p.seg[i].name, p.seg[i].size);
				print_hex(f, r.outputs[i], SIZE_MAX, 32, "");
			}
		out_commit(&o, &err);
	}
	diag_print(&err, stderr); /* "PATH: error: ..." */
	int rc = err.n ? 1 : 0;
	diag_free(&err);
	return rc;
}

// An --output's source, resolved as tessel run resolves it: output port k
// (k >= 0) of a program with tensors; of one without (whose results are
// its output segments' bytes), output segment s as -2 - s; -1 with an error.
static int output_source(const struct isa_program &p, const std::string &name, struct diags &err)
{
	if (p.nport)
		return isa_program_output_port(&p, name.c_str(), &err);
	const struct isa_segment *s = isa_program_segment(&p, name.c_str());
	if (s && s->kind == ISA_SEG_OUTPUT)
		return -2 - (int)(s - p.seg);
	return isa_program_output_port(&p, name.c_str(), &err); /* the error: the output segments */
}

// --input: each tensor into the segments it is packed into (which the
// driver writes); --output: each tensor's source in out_src (output_source).
// Checked before the run; 0, or 1 with errors.
static int give_tensors(struct isa_program &p, const Args &a, std::vector<int> &out_src, struct diags &err)
{
	for (const Tensor &t : a.inputs)
		isa_program_input_npy(&p, t.name.c_str(), t.file, &err);
	for (const Tensor &t : a.outputs)
		out_src.push_back(output_source(p, t.name, err));
	return err.n ? 1 : 0;
}

// Output port k's tensor from the output segment it reads (the driver read
// every output segment back) into its .npy file.  0, or 1 with an error.
static int write_port(const struct isa_program &p, const RunResult &r, int k, const char *file, struct diags &err)
{
	const struct isa_port *pt = &p.port[k];
	int s = 0;
	while (s < p.nseg && !(pt->place[0].addr >= p.seg[s].addr && pt->place[0].addr - p.seg[s].addr < p.seg[s].size))
		s++;
	if (s == p.nseg || p.seg[s].kind != ISA_SEG_OUTPUT ||
	    pt->place[0].addr - p.seg[s].addr + isa_port_span(pt) > r.outputs[s].size()) {
		diag_add(&err, nullptr, 0, 0, "tensor '%s' is not in an output segment", pt->name);
		return 1;
	}
	std::vector<uint8_t> tensor(isa_port_bytes(pt));
	isa_port_take_output(pt, r.outputs[s].data() + (pt->place[0].addr - p.seg[s].addr), tensor.data());
	return isa_port_write_npy(pt, tensor.data(), file, &err) ? 1 : 0;
}

// An output segment's bytes (as the driver read them back) as a
// one-dimensional uint8 array, as tessel run writes them.  0, or 1.
static int write_segment(const std::vector<uint8_t> &bytes, const char *file, struct diags &err)
{
	int64_t n = (int64_t)bytes.size();
	return npy_write(file, DT_UINT8, 1, &n, bytes.data(), &err) ? 1 : 0;
}

// --output, after the run, each from its source (output_source).
static int write_tensors(const struct isa_program &p, const RunResult &r, const std::vector<Tensor> &outputs,
			 const std::vector<int> &out_src, struct diags &err)
{
	for (size_t i = 0; i < outputs.size(); i++) {
		int k = out_src[i];
		if (k >= 0 ? write_port(p, r, k, outputs[i].file, err) : write_segment(r.outputs[-2 - k], outputs[i].file, err))
			return 1;
	}
	return 0;
}

// Builds the platform for p's hardware and runs it to the end.
static RunResult simulate(const struct isa_program &p, long long mem_latency_cycles, const Args &a)
{
	const struct hw &hw = p.hw;
	uint64_t mem_size = hw.dram.capacity;
	uint64_t reg_base = (mem_size + 0xfff) & ~(uint64_t)0xfff; // the first page above the memory
	RunResult res;
	Dram dram(mem_size);
	if (!dram.bytes) { // tessel run's message (sim/sim.c)
		res.error = "cannot allocate " + std::to_string(mem_size) + " bytes of DRAM for '" + hw.name + "'";
		return res;
	}
	tessel::Accelerator acc("accelerator", hw);
	acc.set_limits(a.max_cycles, a.max_seconds);
	sc_time latency = acc.clock_period() * (double)mem_latency_cycles;
	Memory mem("memory", dram, latency);
	Bus bus("bus", mem_size, reg_base);
	Driver drv("driver", p, reg_base, acc, res);
	sc_signal<bool> irq("irq_line");

	drv.bus.bind(bus.in); // initiator 0
	acc.mem.bind(bus.in); // initiator 1
	bus.to_mem.bind(mem.socket);
	bus.to_regs.bind(acc.regs);
	acc.irq.bind(irq);
	drv.irq.bind(irq);

	// The accelerator lets other processes run at least every 100 of its
	// cycles (small, so that even short programs sync in mid-run).
	tlm::tlm_global_quantum::instance().set(acc.clock_period() * 100.0);
	std::printf("memory latency: %lld cycles (%s per access)\n", mem_latency_cycles, latency.to_string().c_str());
	sc_start();
	res.period = acc.clock_period();
	res.acc_read = bus.mem_read[1];
	res.acc_written = bus.mem_written[1];
	return res;
}

// Errors named like `tessel run`'s: "PROG: error: MSG"; err is emptied.
static void print_errors(struct diags &err, const char *prog)
{
	for (int i = 0; i < err.n; i++)
		if (!err.v[i].file)
			err.v[i].file = strdup(prog);
	diag_print(&err, stderr);
	diag_free(&err);
}

int sc_main(int argc, char *argv[])
{
	Args a;
	int rc = parse_args(argc, argv, a);
	if (rc) {
		if (rc < 0)
			std::fputs(USAGE, stdout);
		return rc < 0 ? 0 : rc;
	}
	if ((rc = check_outputs(a)) || (rc = check_names(a)))
		return rc;
	struct isa_program p;
	struct diags err = {};
	if (isa_tsp_read(a.prog, &p, &err)) {
		diag_print(&err, stderr);
		diag_free(&err);
		return 1;
	}
	std::vector<int> out_src;
	if (give_tensors(p, a, out_src, err)) {
		print_errors(err, a.prog);
		isa_program_free(&p);
		return 1;
	}
	std::printf("program: %s (hardware %s, %d instructions)\n", a.prog, p.hw.name, p.ninsn);
	RunResult r = simulate(p, a.mem_latency >= 0 ? a.mem_latency : p.hw.dram.latency, a);
	if (r.status) {
		// One line per error, named like `tessel run`'s: "PROG: error: MSG".
		for (size_t at = 0, nl; at <= r.error.size(); at = nl + 1) {
			nl = r.error.find('\n', at);
			nl = nl == std::string::npos ? r.error.size() : nl;
			std::fprintf(stderr, "%s: error: %s\n", a.prog, r.error.substr(at, nl - at).c_str());
		}
	} else {
		print_outputs(p, r);
		std::printf("cycles: %" PRIu64 "\n", r.cycles);
		std::printf("run time: %" PRIu64 " ps (%" PRIu64 " cycles x %" PRIu64 " ps)\n",
			    (uint64_t)(r.elapsed.to_seconds() * 1e12 + 0.5), r.cycles,
			    (uint64_t)(r.period.to_seconds() * 1e12 + 0.5));
		std::printf("accelerator memory traffic: read %" PRIu64 " B (%d of them the latency probe), written %" PRIu64
			    " B\n",
			    r.acc_read, 8 * r.runs, r.acc_written);
		if (a.dump)
			r.status = dump_outputs(a.dump, p, r);
		if (!r.status && (r.status = write_tensors(p, r, a.outputs, out_src, err)))
			print_errors(err, a.prog);
	}
	isa_program_free(&p);
	return r.status;
}

// SystemC's own main() prints its banner to stderr before sc_main runs; this
// one turns it off first (so errors are all the command prints there) and
// then hands over to SystemC as its main() would.
int main(int argc, char *argv[])
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
	return sc_core::sc_elab_and_sim(argc, argv);
}
