/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * help.c: `otzone help COMMAND` and `otzone COMMAND --help`.
 *
 * One text per command, written for the terminal; the manual page
 * (sensor/otzone.1) says the same at more length, and tests/man checks
 * that every option named here is documented there under its command.
 */
#include <stdio.h>
#include <string.h>

#include "help.h"

struct help {
	const char *cmd;
	const char *text;
};

static const struct help helps[] = {
    {"read",
	"usage: otzone [--db PATH] read [options] FILE|DIR ...\n"
	"\n"
	"Ingest pcap and pcapng captures into the database.  A directory\n"
	"means every capture in it (not recursive).  Files are read in the\n"
	"order of their first packet, and connections carry on across them.\n"
	"A file already ingested (same content hash) is skipped.\n"
	"\n"
	"  --db PATH         database (default otzone.db; created if missing)\n"
	"  --force           read files already ingested again\n"
	"  --quiet, -q       no progress bar and no summary line\n"
	"  --sensor NAME     the sensor name stored with the database\n"
	"                    (default: the host name)\n"
	"  --events FILE     write change events (NDJSON) to FILE\n"
	"  --syslog [udp://|tcp://]HOST:PORT\n"
	"                    send them as RFC 5424 syslog (local0)\n"
	"  --events-max-bytes N  rotate FILE past N bytes (104857600)\n"
	"  --events-keep N   rotated files kept (default 5)\n"
	"  --drop-threshold N  drops by caps per flush before a capture-drops\n"
	"                    event (default 0)\n"
	"  --policy FILE     zones for the events; at the end, check the policy\n"
	"                    and emit its new findings (stored as by check)\n"
	"  --max-conns N     connection table cap (default 262144)\n"
	"  --max-assets N    asset cap (default 262144)\n"
	"  --reasm-bytes N   TCP bytes held per direction (default 65536)\n"
	"  --no-dedup        count a packet seen twice within 1 ms twice\n"
	"                    (default: a SPAN copy, counted once)\n"
	"\n"
	"Exit status: 0 read, 2 error (a damaged capture keeps what was read\n"
	"before the damage).\n"},
    {"assets",
	"usage: otzone [--db PATH] assets [--format table|json|csv]\n"
	"\n"
	"The asset inventory: one row per unicast IP address and VLAN, with\n"
	"MAC and MAC vendor, kind and Purdue level with the reason, protocols,\n"
	"roles, identity read from the protocols (vendor, product, model,\n"
	"firmware, serial), first and last seen, packets and bytes.\n"
	"\n"
	"  --db PATH         database, or postgresql://... (a central store)\n"
	"  --format FMT      table (default), json or csv\n"},
    {"flows",
	"usage: otzone [--db PATH] flows [--format table|json|csv]\n"
	"\n"
	"Communication edges, client to server, per protocol and server port:\n"
	"packets, bytes, connections, first and last seen, the first frame as\n"
	"evidence, and the operations with their class (read, write, control,\n"
	"program, discover, session), code, name and count.\n"
	"\n"
	"  --db PATH         database, or postgresql://... (a central store)\n"
	"  --format FMT      table (default), json or csv\n"},
    {"zones",
	"usage: otzone [--db PATH] zones [--format table|json|dot|svg]\n"
	"                                 [--emit-policy] [-o FILE]\n"
	"\n"
	"Propose IEC 62443 zones and conduits from the graph, explain each\n"
	"zone (members, Purdue level, suggested SL-T and why) and conduit\n"
	"(protocols and operation classes crossing it), and store the\n"
	"proposal in the database.\n"
	"\n"
	"  --db PATH         database, or postgresql://... (a central store)\n"
	"  --format FMT      table (default), json, dot or svg (Graphviz)\n"
	"  --emit-policy     write a policy file declaring the proposal\n"
	"  -o FILE           write to FILE instead of standard output\n"},
    {"check",
	"usage: otzone [--db PATH] check --policy FILE [--format table|json|csv]\n"
	"                                [-o FILE]\n"
	"\n"
	"Check every flow against a zone/conduit policy (YAML; see\n"
	"/etc/otzone/policy.example.yaml).  Each finding names its rule, the\n"
	"IEC 62443-3-3 requirement, the SL-T, a severity and the capture file\n"
	"and frame that show it; the SL gap per zone follows.  Findings are\n"
	"stored in the database.\n"
	"\n"
	"  --db PATH         database, or postgresql://... (a central store)\n"
	"  --policy FILE     the policy (required)\n"
	"  --format FMT      table (default), json or csv\n"
	"  -o FILE           write to FILE instead of standard output\n"
	"\n"
	"Exit status: 0 no finding, 1 findings, 2 error (a policy with a\n"
	"mistake is refused whole, each mistake as FILE:LINE:COL).\n"},
    {"report",
	"usage: otzone [--db PATH] report --policy FILE -o FILE.html\n"
	"\n"
	"One self-contained HTML file (no network fetches): summary,\n"
	"inventory, zone model with its diagram, SL gap, findings by zone pair\n"
	"with their evidence, and how the data was collected.\n"
	"\n"
	"  --db PATH         database, or postgresql://... (a central store)\n"
	"  --policy FILE     the policy\n"
	"  -o FILE           the HTML file (- for standard output)\n"},
    {"merge",
	"usage: otzone merge --db SITE.db SENSOR.db ...\n"
	"\n"
	"Merge the databases of several sensors into one site database:\n"
	"assets deduplicated by IP and VLAN (MACs and identity reconciled),\n"
	"flows and operations counted once where two sensors saw the same\n"
	"packets, captures kept with the sensor that read them.  Merging a\n"
	"sensor again replaces its earlier contribution, so merging is\n"
	"idempotent.  zones, check, report, assets and flows then work on\n"
	"SITE.db.\n"
	"\n"
	"  --db PATH         the site database (created if missing)\n"
	"  --quiet, -q       no summary lines\n"},
    {"sensor",
	"usage: otzone sensor [-c CONF] [-i IFACE]... [--db PATH]\n"
	"                     [--filter EXPR] [--check-config]\n"
	"\n"
	"The capture daemon: live capture on SPAN/TAP ports (never transmits),\n"
	"a flush of what changed every flush_interval, zone proposal and\n"
	"policy check on a timer, change events, the HTTP API.\n"
	"\n"
	"  -c, --config FILE       configuration (default\n"
	"                          /etc/otzone/otzone.conf)\n"
	"  -i, --interface IFACE   capture on IFACE (repeat for more)\n"
	"  --db PATH               database (replaces 'database')\n"
	"  --filter EXPR           BPF filter (replaces capture.filter)\n"
	"  --check-config          check the configuration, then exit\n"
	"\n"
	"Signals: SIGTERM and SIGINT flush and exit 0; SIGHUP reloads the\n"
	"configuration and the policy and reopens the event log.\n"},
    {"help",
	"usage: otzone help [COMMAND]\n"
	"\n"
	"Without a command, the list of commands; with one, its options.\n"
	"The manual page otzone(1) has the whole story.\n"},
    {"version",
	"usage: otzone version\n"
	"\n"
	"Print the version (also: otzone --version).\n"},
};

int
help_print(FILE *f, const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].cmd, cmd) == 0) {
			fputs(helps[i].text, f);
			return 0;
		}
	return -1;
}

void
help_commands(FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		fprintf(f, "%s%s", i ? " " : "", helps[i].cmd);
}
