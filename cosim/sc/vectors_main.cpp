// SPDX-License-Identifier: GPL-2.0
// vbus-accel-vectors: the conformance driver (cosim/driver) over the accelerator's adapter. The
// vectors that apply to the hardware (docs/spec/05-transports.md COSIM-3) replay through the Verilated
// vbus_doorbell2 (v2, the default: 8 channels, channel 0; with --top v1 the v1 vbus_doorbell) under SystemC, through
// the same path as vbus-cosim: north operations are TLM-2.0 register accesses into the AXI4-Lite bridge (with its
// protocol checker), south operations are beats on the device-side streams. Each step's record is built from what the
// RTL did: the result from the message streams (a new notification / MSI = "notify"), the N= and S=
// state from the channel's STATUS register. The driver compares it with the vector's expect block.
//
// SystemC elaborates once per process, so the driver itself runs inside the agent's thread and each
// vector starts from CTRL.SOFT_RESET with both message streams drained.
#include <systemc>
#include <tlm>
#include <verilated.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <vbus/accel.h>

#include "Vdb2_8.h"
#include "Vdb8.h"
#include "agents.h"
#include "axil.h"
#include "pins.h"
#include "vbus_conform.h"
#include "vbus_vector.h"

// See sc_main.cpp: the banner is printed when the first static sc_time is made.
__attribute__((constructor(101))) static void no_systemc_banner()
{
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
}

// COSIM-3: does @v apply to the hardware? nullptr when it does, else why not.
static const char *not_applicable(const struct vbus_vector *v)
{
	if (v->nobj != 1 || v->obj[0].kind != VBUS_VEC_SIGNAL)
		return "COSIM-3: the hardware holds one signal's irq records only (no rings, bus or second object)";
	for (size_t i = 0; i < v->nsteps; i++) {
		const struct vbus_vec_step *s = &v->steps[i];

		if (s->nested)
			return "COSIM-3: a nested handler line needs an inject inside a drain pass (HW-3 re-fires)";
		if (strcmp(s->op, "enable") && strcmp(s->op, "disable") && strcmp(s->op, "inject") &&
		    strcmp(s->op, "wakeup"))
			return "COSIM-3: only enable/disable/inject/wakeup have a register or stream form "
			       "(tick steps are clock cycles in hardware)";
		if (s->nkv)
			return "COSIM-3: step arguments (budgets, moderation) have no hardware form";
		if (s->side != 'N' && s->side != 'S')
			return "COSIM-3: a step of neither side";
	}
	for (size_t i = 0; i < v->expect.n; i++) {
		const struct vbus_trace_rec *r = &v->expect.rec[i];

		if (!strcmp(r->result, "self"))
			return "COSIM-3: a self enable is completed by the hardware itself (HW-5/HW-6)";
		for (unsigned k = 0; k < r->nkv; k++)
			if (!strcmp(r->kv[k].key, "iter") && strcmp(r->kv[k].val, "1"))
				return "COSIM-3: iter >= 2 needs an inject inside a drain pass (HW-3 re-fires)";
	}
	return nullptr;
}

template <class V> class VectorTop : public sc_core::sc_module, public DoorbellPins
{
      public:
	V dut{ "dut" };
	tlm_utils::simple_initiator_socket<sc_core::sc_module> socket{ "socket" };
	int rc = 1;

	SC_HAS_PROCESS(VectorTop);
	VectorTop(sc_core::sc_module_name name, int argc, char **argv, bool v2)
	    : sc_module(name), io(socket), argc(argc), argv(argv), v2(v2)
	{
		bind(dut);
		socket.bind(bridge.socket);
		SC_THREAD(run);
	}

      private:
	AccelTransport io;
	int argc;
	char **argv;
	bool v2;
	static constexpr unsigned kChan = 0;   // the channel the vectors use
	static constexpr unsigned kSettle = 8; // cycles after an operation: the HW-9/HW-12 latency and margin

	void edge()
	{
		sc_core::wait(clk.posedge_event());
	}
	void cycles(unsigned n)
	{
		while (n--)
			edge();
	}
	// One beat on a device-side stream (valid until ready).
	void beat(sc_core::sc_signal<bool> &valid, sc_core::sc_signal<bool> &ready)
	{
		valid.write(true);
		do
			edge();
		while (!ready.read());
		valid.write(false);
	}
	void dev_ctrl(unsigned op)
	{
		ctrl_chan.write(kChan);
		ctrl_op.write(op);
		beat(ctrl_valid, ctrl_ready);
	}
	void dev_inject()
	{
		inj_chan.write(kChan);
		beat(inj_valid, inj_ready);
	}
	// Accept the message waiting on a stream (ready for the one cycle its valid is seen).
	bool accept(sc_core::sc_signal<bool> &valid, sc_core::sc_signal<bool> &ready)
	{
		if (!valid.read())
			return false;
		ready.write(true);
		edge();
		ready.write(false);
		edge();
		return true;
	}
	// Every message of every channel leaves the streams; then CTRL.SOFT_RESET (HW-8).
	void reset_channel()
	{
		nt_ready.write(true);
		msi_ready.write(true);
		cycles(4 * kSettle);
		io.write(VBUS_ACCEL_CTRL, 1);
		cycles(4 * kSettle);
		nt_ready.write(false);
		msi_ready.write(false);
		edge();
	}

	// The state of one side as the trace prints it (§7.1 N=epd S=epd): enabled, pending, dirty.
	static void state(char *buf, uint32_t st, bool north)
	{
		unsigned e = north ? VBUS_ACCEL_STATUS_N_ENABLED_SHIFT : VBUS_ACCEL_STATUS_S_ENABLED_SHIFT;
		unsigned p = north ? VBUS_ACCEL_STATUS_N_PENDING_SHIFT : VBUS_ACCEL_STATUS_S_PENDING_SHIFT;
		unsigned d = north ? VBUS_ACCEL_STATUS_N_DIRTY_SHIFT : VBUS_ACCEL_STATUS_S_DIRTY_SHIFT;

		snprintf(buf, 4, "%u%u%u", st >> e & 1, st >> p & 1, st >> d & 1);
	}

	// One step through the RTL; its record into @out.
	int step(const struct vbus_vec_step *s, struct vbus_trace *out, char *err, size_t errlen)
	{
		bool north = s->side == 'N';
		// the stream this operation can raise a message on: north acts toward south (notify), south
		// toward north (MSI)
		sc_core::sc_signal<bool> &peer_valid = north ? nt_valid : msi_valid;
		bool before = peer_valid.read();
		const char *result = "ok";
		unsigned iter = 0;
		struct vbus_trace_rec r;
		char st[4];

		if (!strcmp(s->op, "enable") || !strcmp(s->op, "disable")) {
			bool on = !strcmp(s->op, "enable");
			// an enable that raises a message on its OWN stream is the hardware's self-notify
			sc_core::sc_signal<bool> &own_valid = north ? msi_valid : nt_valid;
			bool own_before = own_valid.read();

			if (north)
				io.chan_write(kChan, VBUS_ACCEL_CH_N_ENABLE, on);
			else
				dev_ctrl(on ? VBUS_ACCEL_SOP_ENABLE : VBUS_ACCEL_SOP_DISABLE);
			cycles(kSettle);
			if (!own_before && own_valid.read())
				result = "self";
		} else if (!strcmp(s->op, "inject")) {
			if (north)
				io.chan_write(kChan, VBUS_ACCEL_CH_DOORBELL, 1);
			else
				dev_inject();
			cycles(kSettle);
			result = !before && peer_valid.read() ? "notify" : "suppress";
		} else { // wakeup: the interrupt handler (north, HW-4) or the device engine (south, HW-6)
			uint32_t status = io.chan_read(kChan, VBUS_ACCEL_CH_STATUS);

			if (!(status >>
				      (north ? VBUS_ACCEL_STATUS_N_ENABLED_SHIFT : VBUS_ACCEL_STATUS_S_ENABLED_SHIFT) &
			      1)) {
				result = "disabled";
			} else if (north) {
				accept(msi_valid, msi_ready);
				iter = 1; // pass 1: N_DIRTY read (W1) and the handler
				io.chan_read(kChan, VBUS_ACCEL_CH_N_DIRTY);
				while (io.chan_read(kChan, VBUS_ACCEL_CH_N_DIRTY) && iter < 8)
					iter++;				      // dirty again: another pass (W4)
				io.chan_write(kChan, VBUS_ACCEL_CH_N_ACK, 1); // W5-W7 in hardware (HW-3)
			} else {
				accept(nt_valid, nt_ready); // HW-6: S.dirty cleared as the device's drain starts
				iter = 1;
				dev_ctrl(VBUS_ACCEL_SOP_ACK);
			}
			cycles(kSettle);
		}
		if (io.errors) {
			snprintf(err, errlen, "an AXI4-Lite transfer got an error response");
			return -EIO;
		}
		uint32_t status = io.chan_read(kChan, VBUS_ACCEL_CH_STATUS);

		memset(&r, 0, sizeof(r));
		r.step = unsigned(out->n + 1);
		r.side = s->side;
		snprintf(r.op, sizeof(r.op), "%s", s->op);
		snprintf(r.obj, sizeof(r.obj), "%s", s->obj);
		snprintf(r.result, sizeof(r.result), "%s", result);
		if (iter)
			vbus_trace_rec_kv(&r, "iter", "%u", iter);
		state(st, status, true);
		vbus_trace_rec_kv(&r, "N", "%s", st);
		state(st, status, false);
		vbus_trace_rec_kv(&r, "S", "%s", st);
		return vbus_trace_append(out, &r);
	}

	int replay(const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen)
	{
		const char *why = not_applicable(v);
		int ret;

		if (why) {
			snprintf(err, errlen, "%s", why);
			return VBUS_CONFORM_NA;
		}
		reset_channel();
		uint32_t status = io.chan_read(kChan, VBUS_ACCEL_CH_STATUS);
		if (status || nt_valid.read() || msi_valid.read()) {
			snprintf(err, errlen, "the channel is not idle after CTRL.SOFT_RESET (STATUS 0x%08x)", status);
			return -EIO;
		}
		for (size_t i = 0; i < v->nsteps; i++)
			if ((ret = step(&v->steps[i], out, err, errlen)))
				return ret < 0 ? ret : -ENOMEM;
		if (!checker.error.empty()) {
			snprintf(err, errlen, "%s", checker.error.c_str());
			return -EPROTO;
		}
		return VBUS_CONFORM_RAN;
	}
	static int replay_cb(void *ctx, const struct vbus_vector *v, struct vbus_trace *out, char *err, size_t errlen)
	{
		return static_cast<VectorTop *>(ctx)->replay(v, out, err, errlen);
	}

	void run()
	{
		struct vbus_conform c;

		bridge.init();
		inj_valid.write(false);
		ctrl_valid.write(false);
		nt_ready.write(false);
		msi_ready.write(false);
		rst.write(true);
		cycles(4);
		rst.write(false);
		edge();
		memset(&c, 0, sizeof(c));
		c.prog = "vbus-accel-vectors";
		c.what =
			v2 ? "the Verilated v2 doorbell accelerator (rtl-accel/rtl/vbus_doorbell2.v, 8 channels; --top v1: "
			     "the v1 one) under SystemC, through TLM-2.0 -> AXI4-Lite and the device streams; COSIM-3 "
			     "says which vectors apply"
			   : "the Verilated v1 doorbell accelerator (rtl-accel/rtl/vbus_doorbell.v, 8 channels) under "
			     "SystemC, through TLM-2.0 -> AXI4-Lite and the device streams; COSIM-3 says which "
			     "vectors apply";
		c.run = replay_cb;
		c.ctx = this;
		c.cycle_tol = -1;
		rc = vbus_conform_main(&c, argc, argv, VBUS_SOURCE_DIR_DEFAULT);
		sc_core::sc_stop();
	}
};

// "--top v1|v2" (this front end's own option, taken out before the shared flags): which accelerator.
static int take_top(int &argc, char **argv, bool &v2)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (strcmp(argv[i], "--top"))
			continue;
		const char *t = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(t, "v1") && strcmp(t, "v2")) {
			fprintf(stderr, "vbus-accel-vectors: --top '%s': v1 or v2 (try 'vbus-accel-vectors --help')\n",
				t);
			return 2;
		}
		v2 = !strcmp(t, "v2");
		memmove(argv + i, argv + i + 2, sizeof(*argv) * (argc - i - 1)); // keeps argv[argc] == NULL
		argc -= 2;
		i--;
	}
	return -1;
}

int sc_main(int argc, char **argv)
{
	bool v2 = true; // the default top (--top v1: the v1 accelerator)
	int rc = take_top(argc, argv, v2);

	if (rc >= 0)
		return rc;
	sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
	if (v2) {
		VectorTop<Vdb2_8> top("top", argc, argv, true);

		sc_core::sc_start();
		return top.rc;
	}
	VectorTop<Vdb8> top("top", argc, argv, false);

	sc_core::sc_start();
	return top.rc;
}
