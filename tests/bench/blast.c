/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blast: the sender of tests/bench/live.sh.  Sends the frames of a
 * capture file, over and over, out of one veth interface as fast as it
 * can or at a target rate, and says what it reached.  tcpreplay tops out
 * near 1 Mpps on this kind of machine; this does no per-frame work but a
 * copy into a ring slot (or an iovec entry) and one syscall per batch.
 *
 *	blast -i IF [-r PPS] [-d SECONDS] [-n FRAMES] [-c CPU]
 *	      [-m ring|mmsg] [-b BATCH] FILE.pcap
 *
 * -r: frames per second (0, the default: as fast as it can); the rate
 * is kept by batches against CLOCK_MONOTONIC (frames due = rate * time
 * since start; a batch is at most -b frames, 256 by default).
 * -d: stop after this many seconds (default 10); -n: or after this many
 * frames.  -c: pin to this CPU (sched_setaffinity).  -m: mmsg
 * (AF_PACKET sendmmsg, the default) or ring (AF_PACKET, TPACKET_V2
 * PACKET_TX_RING); both with PACKET_QDISC_BYPASS.  On a veth pair here
 * with `otzone sensor` on the other end, mmsg reached 1.60 Mpps and ring
 * 1.43 Mpps (veth transmits synchronously, so the ring saves no copies
 * and only adds the slot status round trip).
 *
 * Only sends on a veth interface (driver "veth" by ETHTOOL_GDRVINFO):
 * it is a benchmark tool for a namespace the benchmark made, never for
 * a real network.  At most 1,000,000 frames of at most 1514 bytes and
 * 64 MiB in all are loaded from the file.
 *
 * Prints one line:
 *	frames N seconds S pps P cpu C
 * (seconds: wall clock from the first to the last batch; cpu: the
 * process's user + system seconds, which include the veth's receive
 * side run in softirq on this CPU and, with -r, the spin between batches
 * due less than 200 us apart: a rate-kept run's cpu is not its load).
 * Exit 0, 1 when the kernel refused a send, or 2 with "blast: why" on
 * bad input.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAMES 1000000u
#define MAX_LEN 1514u
#define MAX_BYTES (64u << 20)
#define MAX_BATCH 4096u
#define RING_FRAME 2048u /* TPACKET_V2 slot: header + up to MAX_LEN */
#define RING_BLOCK 65536u
#define RING_BLOCKS 64u /* 2048 slots, 4 MiB */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static _Noreturn void
die(const char *msg)
{
	fprintf(stderr, "blast: %s\n", msg);
	exit(2);
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static unsigned long
number(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;
	char msg[128];

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
		snprintf(msg, sizeof msg, "bad %s: %.40s", what, s);
		die(msg);
	}
	return v;
}

/* 0 when IF is a veth (driver name from the ethtool ioctl) */
static int
is_veth(int fd, const char *ifname)
{
	struct ethtool_drvinfo di;
	struct ifreq ifr;

	memset(&di, 0, sizeof di);
	memset(&ifr, 0, sizeof ifr);
	di.cmd = ETHTOOL_GDRVINFO;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0)
		return -1;
	return strcmp(di.driver, "veth") == 0 ? 0 : -1;
}

struct frames {
	unsigned char *data; /* the frames back to back */
	uint32_t *off;       /* n + 1 offsets into data */
	size_t n;
};

static void
load(const char *path, struct frames *f)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *p;
	pcap_t *pc;
	size_t cap = 1024, bytes = 0;
	int r;

	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		fprintf(stderr, "blast: %.200s: %s\n", path, err);
		exit(2);
	}
	f->n = 0;
	f->data = malloc(MAX_BYTES);
	f->off = malloc((cap + 1) * sizeof *f->off);
	if (f->data == NULL || f->off == NULL)
		die("out of memory");
	f->off[0] = 0;
	while ((r = pcap_next_ex(pc, &h, &p)) == 1) {
		if (h->caplen < 14 || h->caplen > MAX_LEN)
			continue; /* not a whole Ethernet frame we can send */
		if (f->n == MAX_FRAMES || bytes + h->caplen > MAX_BYTES)
			break;
		if (f->n == cap) {
			uint32_t *o;

			cap *= 2;
			o = realloc(f->off, (cap + 1) * sizeof *f->off);
			if (o == NULL)
				die("out of memory");
			f->off = o;
		}
		memcpy(f->data + bytes, p, h->caplen);
		bytes += h->caplen;
		f->n++;
		f->off[f->n] = (uint32_t)bytes;
	}
	if (r == -1) {
		fprintf(stderr, "blast: %.200s: %s\n", path, pcap_geterr(pc));
		exit(2);
	}
	pcap_close(pc);
	if (f->n == 0)
		die("no Ethernet frames of 14 to 1514 bytes in the file");
}

/* sleep or spin until monotonic time T */
static void
wait_until(double t)
{
	double d = t - now_mono();

	if (d > 200e-6) {
		struct timespec ts;

		d -= 100e-6;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	while (now_mono() < t && !stop)
		;
}

int
main(int argc, char **argv)
{
	const char *ifname = NULL, *mode = "mmsg";
	unsigned long rate = 0, secs = 10, limit = 0, batch = 256;
	long cpu = -1;
	struct frames f;
	struct sockaddr_ll sll;
	unsigned char *ring = NULL;
	size_t ring_len = 0, slots = 0, slot = 0, next = 0;
	uint64_t sent = 0, total;
	double t0, t1, c0, end;
	int fd, opt, use_ring, one = 1, failed = 0;
	unsigned int ifindex = 0;
	struct mmsghdr *mm = NULL;
	struct iovec *iov = NULL;
	char msg[160];

	while ((opt = getopt(argc, argv, "i:r:d:n:c:m:b:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'r':
			rate = number(optarg, "rate", 100000000ul);
			break;
		case 'd':
			secs = number(optarg, "duration", 86400ul);
			break;
		case 'n':
			limit = number(optarg, "frame count", 1ul << 40);
			break;
		case 'c':
			cpu = (long)number(optarg, "CPU", CPU_SETSIZE - 1);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'b':
			batch = number(optarg, "batch", MAX_BATCH);
			break;
		default:
			die("usage: blast -i IF [-r PPS] [-d SECONDS] "
			    "[-n FRAMES] [-c CPU] [-m ring|mmsg] [-b BATCH] "
			    "FILE.pcap");
		}
	}
	if (ifname == NULL || optind != argc - 1)
		die("usage: blast -i IF [-r PPS] [-d SECONDS] [-n FRAMES] "
		    "[-c CPU] [-m ring|mmsg] [-b BATCH] FILE.pcap");
	if (strcmp(mode, "ring") != 0 && strcmp(mode, "mmsg") != 0)
		die("-m: ring or mmsg");
	use_ring = strcmp(mode, "ring") == 0;
	if (batch == 0)
		die("bad batch: 0");
	if (strlen(ifname) < IFNAMSIZ)
		ifindex = if_nametoindex(ifname);
	if (ifindex == 0) {
		snprintf(msg, sizeof msg, "%.40s: no such interface", ifname);
		die(msg);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only */
	if (fd < 0) {
		snprintf(msg, sizeof msg, "AF_PACKET socket: %s", strerror(errno));
		die(msg);
	}
	if (is_veth(fd, ifname) != 0) {
		snprintf(msg, sizeof msg, "%.40s: not a veth interface; refusing "
		    "to send on it", ifname);
		die(msg);
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0) {
			snprintf(msg, sizeof msg, "CPU %ld: %s", cpu,
			    strerror(errno));
			die(msg);
		}
	}
	load(argv[optind], &f);

	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	/*
	 * The first frame's EtherType as the socket's protocol: packet_snd
	 * then takes skb->protocol from it instead of parsing each frame's
	 * header (about 3% more frames per second here; the veth's other
	 * end derives the protocol from the frame again).  It also makes
	 * the socket receive that protocol from rep0, where nothing sends;
	 * a small receive buffer bounds what could queue up.
	 */
	{
		const unsigned char *e = f.data;
		unsigned int et = (unsigned int)e[12] << 8 | e[13];
		int small = 4096;

		sll.sll_protocol = et >= 0x0600 ? htons((uint16_t)et) : 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	}
	if (use_ring) {
		int v = TPACKET_V2;
		struct tpacket_req req;

		if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) != 0)
			die("PACKET_VERSION TPACKET_V2 refused");
		req.tp_block_size = RING_BLOCK;
		req.tp_block_nr = RING_BLOCKS;
		req.tp_frame_size = RING_FRAME;
		req.tp_frame_nr = RING_BLOCK / RING_FRAME * RING_BLOCKS;
		if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req,
		    sizeof req) != 0) {
			snprintf(msg, sizeof msg, "PACKET_TX_RING: %s",
			    strerror(errno));
			die(msg);
		}
		slots = req.tp_frame_nr;
		ring_len = (size_t)RING_BLOCK * RING_BLOCKS;
		ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
		if (ring == MAP_FAILED)
			die("cannot map the TX ring");
		if (batch > slots / 2)
			batch = slots / 2;
	} else {
		mm = calloc(batch, sizeof *mm);
		iov = calloc(batch, sizeof *iov);
		if (mm == NULL || iov == NULL)
			die("out of memory");
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
		snprintf(msg, sizeof msg, "bind %.40s: %s", ifname,
		    strerror(errno));
		die(msg);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	total = (uint64_t)rate * secs;
	c0 = cpu_seconds();
	t0 = now_mono();
	end = t0 + (double)secs;
	t1 = t0;
	while (!stop) {
		uint64_t want = batch;
		size_t i;

		t1 = now_mono();
		/*
		 * At the end, a rate-kept run sends what was due by then and
		 * the last batch had not reached (rate * seconds in all) when
		 * that is at most a batch; further behind, the sender was the
		 * limit and it stops.
		 */
		if (t1 >= end && (rate == 0 || sent >= total ||
		    total - sent > batch || t1 >= end + 1.0))
			break;
		if (limit > 0 && sent >= limit)
			break;
		if (rate > 0) {
			double due = ((t1 < end ? t1 : end) - t0) * (double)rate;

			if ((double)sent >= due) {
				/* ahead: wait for the next batch's time */
				wait_until(t0 + (double)(sent + batch) /
				    (double)rate);
				continue;
			}
			if (due - (double)sent < (double)want)
				want = (uint64_t)(due - (double)sent) + 1;
			if (sent + want > total)
				want = total - sent;
		}
		if (limit > 0 && limit - sent < want)
			want = limit - sent;
		if (use_ring) {
			size_t n = 0;

			for (i = 0; i < want; i++) {
				struct tpacket2_hdr *h = (void *)(ring +
				    slot * RING_FRAME);
				unsigned char *d = (unsigned char *)h +
				    TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);

				if (__atomic_load_n(&h->tp_status,
				    __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
					break; /* ring full: flush first */
				h->tp_len = f.off[next + 1] - f.off[next];
				memcpy(d, f.data + f.off[next], h->tp_len);
				__atomic_store_n(&h->tp_status,
				    TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
				slot = slot + 1 == slots ? 0 : slot + 1;
				next = next + 1 == f.n ? 0 : next + 1;
				n++;
			}
			if (send(fd, NULL, 0, 0) < 0 && errno != ENOBUFS &&
			    errno != EAGAIN && errno != EINTR) {
				snprintf(msg, sizeof msg, "send: %s",
				    strerror(errno));
				fprintf(stderr, "blast: %s\n", msg);
				failed = 1;
				break;
			}
			/* the blocking send returns when the kernel took them */
			sent += n;
		} else {
			int r;

			for (i = 0; i < want; i++) {
				iov[i].iov_base = f.data + f.off[next];
				iov[i].iov_len = f.off[next + 1] - f.off[next];
				memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
				mm[i].msg_hdr.msg_iov = &iov[i];
				mm[i].msg_hdr.msg_iovlen = 1;
				next = next + 1 == f.n ? 0 : next + 1;
			}
			r = sendmmsg(fd, mm, (unsigned int)want, 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN ||
				    errno == EINTR) {
					/* none went: rewind the frame index */
					next = (next + f.n - (size_t)(want % f.n))
					    % f.n;
					continue;
				}
				snprintf(msg, sizeof msg, "sendmmsg: %s",
				    strerror(errno));
				fprintf(stderr, "blast: %s\n", msg);
				failed = 1;
				break;
			}
			if ((uint64_t)r < want)
				next = (next + f.n -
				    (size_t)((want - (uint64_t)r) % f.n)) % f.n;
			sent += (uint64_t)r;
		}
	}
	if (use_ring) {
		/* wait until the kernel has taken every slot we filled */
		size_t k, busy = 1;
		int spins = 0;

		while (busy && spins++ < 1000) {
			busy = 0;
			send(fd, NULL, 0, 0);
			for (k = 0; k < slots; k++) {
				struct tpacket2_hdr *h = (void *)(ring +
				    k * RING_FRAME);
				unsigned int s = __atomic_load_n(&h->tp_status,
				    __ATOMIC_ACQUIRE);

				if (s == TP_STATUS_SEND_REQUEST ||
				    s == TP_STATUS_SENDING)
					busy++;
			}
		}
		t1 = now_mono();
		munmap(ring, ring_len);
	}
	{
		double s = t1 - t0;

		printf("frames %llu seconds %.3f pps %.0f cpu %.2f\n",
		    (unsigned long long)sent, s,
		    s > 0 ? (double)sent / s : 0.0, cpu_seconds() - c0);
	}
	close(fd);
	free(f.data);
	free(f.off);
	free(mm);
	free(iov);
	return failed;
}
