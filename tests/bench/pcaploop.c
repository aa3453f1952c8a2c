/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcaploop: the floor of `make bench`.  Reads capture files with libpcap
 * exactly as `otzone read` does (pcap_open_offline_with_tstamp_precision,
 * pcap_next_ex) and does nothing with a packet but fold its first bytes
 * into a checksum that is printed at the end, so that neither the read
 * nor the touch can be optimised away.  Whatever otzone does beyond this
 * loop is its own cost.
 *
 *	pcaploop FILE ...
 *
 * Prints one line per run:
 *	packets N bytes B caplen C seconds S pps P mbps M sum X
 * (bytes: on the wire; seconds: CPU time of the process, user + system;
 * mbps: wire bits per CPU second).  Exit 0, or 2 with
 * "pcaploop: FILE: why" on stderr.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>

#define TOUCH_BYTES 16 /* the headers a decoder would look at first */

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t pkts = 0, bytes = 0, caps = 0, sum = 0;
	double t0, t;
	int i, rc, ret = 0;
	uint32_t k, n;

	if (argc < 2) {
		fprintf(stderr, "usage: pcaploop FILE ...\n");
		return 2;
	}
	t0 = cpu_seconds();
	for (i = 1; i < argc; i++) {
		pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[i],
		    PCAP_TSTAMP_PRECISION_MICRO, eb);

		if (p == NULL) {
			fprintf(stderr, "pcaploop: %s: %s\n", argv[i], eb);
			ret = 2;
			continue;
		}
		while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
			pkts++;
			bytes += h->len;
			caps += h->caplen;
			n = h->caplen < TOUCH_BYTES ? h->caplen : TOUCH_BYTES;
			for (k = 0; k < n; k++)
				sum = sum * 31 + d[k];
			sum += (uint64_t)h->ts.tv_usec;
		}
		if (rc == PCAP_ERROR) {
			fprintf(stderr, "pcaploop: %s: %s\n", argv[i],
			    pcap_geterr(p));
			ret = 2;
		}
		pcap_close(p);
	}
	t = cpu_seconds() - t0;
	printf("packets %" PRIu64 " bytes %" PRIu64 " caplen %" PRIu64
	       " seconds %.3f pps %.0f mbps %.1f sum %016" PRIx64 "\n",
	    pkts, bytes, caps, t, t > 0 ? (double)pkts / t : 0,
	    t > 0 ? (double)bytes * 8 / t / 1e6 : 0, sum);
	return ret;
}
