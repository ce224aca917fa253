// SPDX-License-Identifier: GPL-2.0
/*
 * vbus-model sweep: offered load x mitigation through the timing engine, to PREFIX.csv and, with
 * gnuplot, PREFIX.png (notifications per message; latency p50 and p99 in cycles with ns at the
 * stated clock on the right axis). Files are written to a temporary name and renamed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"

#define SWEEP_MAX_LOADS 64
#define SWEEP_DEFAULT_LOADS "0.02,0.05,0.1,0.2,0.5,1,2,5,10"
#define SWEEP_DEFAULT_PREFIX "vbus-sweep"

enum { SW_O_OUT = SIM_O_LAST, SW_O_LOADS, SW_O_JSON };

static int have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		return 0;
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)l, p);
		if (!access(buf, X_OK))
			return 1;
		p += l + (p[l] == ':');
	}
	return 0;
}

/* The sweep's workload makes the offered load irrelevant: every curve is flat by construction. */
static int flat_by_construction(int workload)
{
	return workload == VM_WL_PINGPONG || workload == VM_WL_STREAM;
}

struct row {
	int m;
	double load;
	struct vm_report r;
};

static int plot(const char *prog, const char *png, const char *csv, const struct sim_opts *o, int flat, double lat_lo,
		double lat_hi, double notif_lo, double notif_hi)
{
	/* line colour, point type per mitigation: distinct in colour and shape (readable in grey); p99 in a
	 * lighter shade of its mitigation's colour (and dashed). model.cli-sweep-plot finds each colour inside
	 * its plot's frame in the PNG, so every colour here is distinct. */
	static const char *const color[VM_MIT_COUNT] = { "#d62728", "#1f77b4", "#2ca02c", "#9467bd" };
	static const char *const color99[VM_MIT_COUNT] = { "#ff9896", "#aec7e8", "#98df8a", "#c5b0d5" };
	static const int pt[VM_MIT_COUNT] = { 7, 5, 9, 13 };
	const struct vm_sim_cfg *c = &o->c;
	struct vbus_out out;

	if (vbus_out_open(&out, prog, png))
		return -1;
	fclose(out.f); /* gnuplot writes the temporary file; nothing buffered here */
	out.f = NULL;
	FILE *g = popen("gnuplot", "w");
	if (!g) {
		unlink(out.tmp);
		fprintf(stderr, "%s: cannot start gnuplot: %s\n", prog, strerror(errno));
		return -1;
	}
	fprintf(g, "set terminal pngcairo size 1500,620 noenhanced font ',11'\nset output ");
	vbus_gnuplot_quote(g, out.tmp);
	fprintf(g,
		"\nset datafile separator ','\nset grid\nset key below horizontal\n"
		"set logscale x\nset offsets graph 0.03, graph 0.03, graph 0.08, graph 0.08\n"
		"set multiplot layout 1,2 title 'vbus-model sweep: workload %s, consumer %s, %llu messages "
		"per point, ring %u, batch %u%s'\n",
		vm_workload_name(c->workload), vm_consumer_name(c->consumer), (unsigned long long)c->messages,
		c->ring_count, c->batch,
		flat ? "\\nWARNING: the offered load does not apply to this workload: flat by construction" : "");
	/* left: notifications per message, from `none`'s 1 down to a few per thousand: log scale, with a margin
	 * that keeps the top and bottom curves off the frame; linear (with the same margins) when a point is 0 */
	if (notif_hi <= 0)
		notif_hi = 1;
	if (notif_lo > 0)
		fprintf(g, "set logscale y\nset yrange [%g:%g]\n", notif_lo / 1.5, notif_hi * 1.5);
	else
		fprintf(g, "set yrange [%g:%g]\n", -0.06 * notif_hi, 1.1 * notif_hi);
	fprintf(g,
		"set xlabel 'offered load (messages per 1000 cycles, log scale)'\n"
		"set ylabel 'notifications per message%s'\nset title 'notifications per message'\nplot ",
		notif_lo > 0 ? " (log scale)" : "");
	for (int m = 0; m < VM_MIT_COUNT; m++) {
		fprintf(g, "%s", m ? ", " : "");
		vbus_gnuplot_quote(g, csv);
		fprintf(g,
			" using (strcol(1) eq '%s' ? $2 : NaN):5 with linespoints lw 2 pt %d ps 1.3 lc rgb '%s' "
			"title '%s'",
			vm_mitigation_name(m), pt[m], color[m], vm_mitigation_name(m));
	}
	/* right: latency p50 (solid) and p99 (dashed), cycles on the left axis, ns on the right */
	/* log scale: explicit ranges (a little wider than the data) so y2 = y / clock exactly */
	double lo = lat_lo > 0 ? lat_lo / 1.5 : 0.5, hi = lat_hi > lo ? lat_hi * 1.5 : lo * 10;
	fprintf(g,
		"\nset ytics nomirror\nset y2tics\nset logscale y\nset logscale y2\n"
		"set yrange [%g:%g]\nset y2range [%g:%g]\n"
		"set ylabel 'latency (cycles, log scale)'\nset y2label 'latency (ns at %g GHz)'\n"
		"set title 'latency: p50 solid, p99 dashed (lighter)'\nplot ",
		lo, hi, lo / o->clock_ghz, hi / o->clock_ghz, o->clock_ghz);
	for (int m = 0; m < VM_MIT_COUNT; m++)
		for (int q = 0; q < 2; q++) {
			fprintf(g, "%s", m || q ? ", " : "");
			vbus_gnuplot_quote(g, csv);
			fprintf(g,
				" using (strcol(1) eq '%s' ? $2 : NaN):%d with linespoints lw 2 dt %d pt %d "
				"ps 1.1 lc rgb '%s' title '%s %s'",
				vm_mitigation_name(m), q ? 7 : 6, q ? 2 : 1, pt[m], q ? color99[m] : color[m],
				vm_mitigation_name(m), q ? "p99" : "p50");
		}
	fprintf(g, "\nunset multiplot\n");
	int st = pclose(g);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		unlink(out.tmp);
		fprintf(stderr, "%s: gnuplot failed to draw %s (exit %d)\n", prog, png,
			st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	if (rename(out.tmp, png)) {
		int e = errno;
		unlink(out.tmp);
		vbus_fail(prog, png, strerror(e));
		return -1;
	}
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = { SIM_LONG_OPTIONS,
					      { "help", no_argument, NULL, 'h' },
					      { "out", required_argument, NULL, SW_O_OUT },
					      { "loads", required_argument, NULL, SW_O_LOADS },
					      { "json", no_argument, NULL, SW_O_JSON },
					      { NULL, 0, NULL, 0 } };
	const char *prog = cmd_prog("sweep");
	struct sim_opts o;
	struct vm_sim_cfg *c = &o.c;
	const char *out = SWEEP_DEFAULT_PREFIX, *loads_arg = SWEEP_DEFAULT_LOADS;
	int id, r, json = 0;

	sim_opts_default(&o);
	c->workload = VM_WL_POISSON;
	c->messages = 5000;
	opterr = 0;
	while ((id = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (id) {
		case 'h':
			printf("usage: vbus-model sweep [--out PREFIX|DIR/] [--loads L1,L2,...] [--json] [options]\n"
			       "Sweep the offered load for every mitigation mode and write PREFIX.csv (default\n"
			       "./%s.csv; missing folders are created; a PREFIX that is a folder or ends in '/'\n"
			       "means DIR/%s); with gnuplot installed also PREFIX.png: notifications per\n"
			       "message, and latency p50 and p99 in cycles and in ns at --clock-ghz, versus offered\n"
			       "load, one curve per mitigation. A progress line goes to stderr.\n"
			       "  --loads LIST      offered loads, messages per 1000 cycles, each %g to %g, at most %d\n"
			       "                    (default %s)\n"
			       "  --json            also print every point as JSON (configuration included) on stdout\n"
			       "Simulation options (--load is refused: the sweep varies it):\n",
			       SWEEP_DEFAULT_PREFIX, SWEEP_DEFAULT_PREFIX, SIM_LOAD_MIN, SIM_LOAD_MAX, SWEEP_MAX_LOADS,
			       SWEEP_DEFAULT_LOADS);
			sim_opts_help(stdout, &o);
			printf("ping-pong and stream ignore the offered load: their sweep is flat (a warning says so).\n");
			return 0;
		case SW_O_OUT:
			out = optarg;
			break;
		case SW_O_LOADS:
			loads_arg = optarg;
			break;
		case SW_O_JSON:
			json = 1;
			break;
		case SIM_O_LOAD:
			return vbus_usage_error(prog, "--load: the sweep varies the offered load; give the points "
						      "with --loads");
		default:
			if ((r = sim_opt_or_fail(prog, id, argv, &o)))
				return r;
		}
	}
	if ((r = cli_no_operands(prog, argc, argv)))
		return r;
	double loads[SWEEP_MAX_LOADS];
	int nl = 0;
	char lbuf[1024];
	if (strlen(loads_arg) >= sizeof(lbuf))
		return vbus_usage_error(prog, "--loads: list too long");
	snprintf(lbuf, sizeof(lbuf), "%s", loads_arg);
	for (char *save = NULL, *t = strtok_r(lbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (nl == SWEEP_MAX_LOADS)
			return vbus_usage_error(prog, "--loads: at most %d loads", SWEEP_MAX_LOADS);
		if (vbus_parse_double(prog, "--loads", t, SIM_LOAD_MIN, SIM_LOAD_MAX, &loads[nl]))
			return VBUS_EXIT_USAGE;
		nl++;
	}
	if (!nl)
		return vbus_usage_error(prog, "--loads: empty list");

	/* PREFIX, or DIR/vbus-sweep when --out names a folder: never a hidden ".csv" */
	char prefix[4000], csv[4096], png[4096];
	struct stat st;
	size_t ol = strlen(out);
	if (!ol)
		return vbus_usage_error(prog, "--out: empty prefix");
	if (ol >= sizeof(prefix) - 32)
		return vbus_usage_error(prog, "--out: path too long");
	if (out[ol - 1] == '/' || (!stat(out, &st) && S_ISDIR(st.st_mode)))
		snprintf(prefix, sizeof(prefix), "%s%s%s", out, out[ol - 1] == '/' ? "" : "/", SWEEP_DEFAULT_PREFIX);
	else
		snprintf(prefix, sizeof(prefix), "%s", out);
	snprintf(csv, sizeof(csv), "%s.csv", prefix);
	snprintf(png, sizeof(png), "%s.png", prefix);

	int flat = flat_by_construction(c->workload);
	if (flat)
		fprintf(stderr,
			"%s: warning: workload %s ignores the offered load: every curve is flat by construction "
			"(sweep poisson or bursty)\n",
			prog, vm_workload_name(c->workload));

	struct vbus_out f;
	if (vbus_out_open(&f, prog, csv))
		return 1;
	fprintf(f.f, "mitigation,load,messages,throughput_per_kcycle,notifications_per_message,latency_p50_cycles,"
		     "latency_p99_cycles,latency_max_cycles,doorbells,interrupts,spurious,latency_p50_ns,"
		     "latency_p99_ns\n");
	struct vbus_progress pr;
	vbus_progress_init(&pr, prog, 5);
	int total = VM_MIT_COUNT * nl, done = 0;
	/* smallest and largest positive latency, largest and smallest notification rate (-1: none yet, 0: a
	 * point at 0), for the plots' ranges */
	double lat_lo = 0, lat_hi = 0, notif_lo = -1, notif_hi = 0;
	if (json)
		printf("[");
	for (int m = 0; m < VM_MIT_COUNT; m++) {
		for (int l = 0; l < nl; l++) {
			struct vm_report rep;
			vbus_progress(&pr, done, total, "%s at load %g", vm_mitigation_name(m), loads[l]);
			c->mitigation = m;
			c->load = loads[l];
			int rc = vm_sim_run(c, &rep);
			if (rc) {
				vbus_progress_done(&pr);
				vbus_out_abort(&f);
				fprintf(stderr, "%s: simulation failed (%s at load %g): %s\n", prog,
					vm_mitigation_name(m), loads[l], strerror(-rc));
				return 1;
			}
			double ns = 1.0 / o.clock_ghz;
			fprintf(f.f, "%s,%g,%llu,%.6f,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%.1f,%.1f\n",
				vm_mitigation_name(m), loads[l], (unsigned long long)rep.messages, rep.throughput,
				rep.notif_per_msg, (unsigned long long)rep.lat_p50, (unsigned long long)rep.lat_p99,
				(unsigned long long)rep.lat_max, (unsigned long long)rep.doorbells,
				(unsigned long long)rep.interrupts, (unsigned long long)rep.spurious, rep.lat_p50 * ns,
				rep.lat_p99 * ns);
			if (rep.notif_per_msg > notif_hi)
				notif_hi = rep.notif_per_msg;
			if (notif_lo < 0 || rep.notif_per_msg < notif_lo)
				notif_lo = rep.notif_per_msg;
			for (int q = 0; q < 2; q++) {
				double v = (double)(q ? rep.lat_p99 : rep.lat_p50);
				if (v > 0 && (lat_lo == 0 || v < lat_lo))
					lat_lo = v;
				if (v > lat_hi)
					lat_hi = v;
			}
			if (json) {
				printf("%s", done ? ",\n " : "");
				report_json(stdout, &o, &rep);
			}
			done++;
		}
	}
	vbus_progress_done(&pr);
	if (json)
		printf("]\n");
	if (vbus_out_commit(&f, prog))
		return 1;
	fprintf(json ? stderr : stdout, "wrote %s (%d mitigations x %d loads, %s, consumer %s)\n", csv, VM_MIT_COUNT,
		nl, vm_workload_name(c->workload), vm_consumer_name(c->consumer));
	if (!have_gnuplot()) {
		fprintf(json ? stderr : stdout, "gnuplot not found in PATH: no plot (CSV only)\n");
		return 0;
	}
	if (plot(prog, png, csv, &o, flat, lat_lo, lat_hi, notif_lo, notif_hi))
		return 1;
	fprintf(json ? stderr : stdout, "wrote %s\n", png);
	return 0;
}
