/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ingest.c: `otzone read`: pcap and pcapng files (and directories of
 * them) into the database.  Files are read in the order of their first
 * packet's timestamp; connections carry on from one file to the next, as
 * capture slices of one link usually do.  What changed is flushed every
 * INGEST_FLUSH_PACKETS packets and at the end of each file, so a crash or
 * a damaged file loses at most one interval.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "events.h"
#include "ingest.h"
#include "policy.h"
#include "sha256.h"

#define INGEST_FLUSH_PACKETS 1000000u
#define INGEST_HASH_SAMPLE (1u << 20) /* bytes hashed at each end */
#define INGEST_MAX_FILES 100000u
/* Classic pcap files are read in blocks of this size and their records
 * walked in place (see blk_next); a record is at most BLK_MAX_CAPLEN.
 * 128 KiB: the block stays in the L2 cache until it is walked (1 MiB
 * blocks cost 5-10% more on small frames).  Regular files are mapped
 * instead, a window of INGEST_WINDOW at a time (no copy at all). */
#define INGEST_BLOCK (1u << 17)
#define INGEST_WINDOW (8u << 20)
#define BLK_MAX_CAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */

struct input {
	char *path;
	uint64_t first_us; /* first packet, for ordering */
	uint64_t size;
};

static void
errx_line(const char *path, const char *why)
{
	fprintf(stderr, "otzone: %s: %s\n", path, why);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Content hash: SHA-256 over the file size, its first and last MiB.
 * Reading the whole of a 100 GB capture twice only to recognise it would
 * double the ingest time; the size plus both ends tell a re-read of the
 * same file (or a copy) from a different capture in practice.
 */
/* SHA-256 through libgcrypt (linked already, for nDPI), which uses the
 * CPU's SHA extensions: 2 MiB per file at a few cycles per byte instead
 * of the portable code's 60 instructions per byte (6-10 ms per file).
 * The same digest; the portable code when libgcrypt cannot be used. */
struct chash {
	gcry_md_hd_t md;
	struct sha256 s;
};

static void
chash_init(struct chash *h)
{
	static int ready;

	if (!ready) {
		ready = gcry_check_version(NULL) != NULL ? 1 : -1;
		if (ready > 0)
			gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
	h->md = NULL;
	if (ready < 0 || gcry_md_open(&h->md, GCRY_MD_SHA256, 0) != 0)
		h->md = NULL;
	sha256_init(&h->s);
}

static void
chash_update(struct chash *h, const void *p, size_t n)
{
	if (h->md != NULL)
		gcry_md_write(h->md, p, n);
	else
		sha256_update(&h->s, p, n);
}

static void
chash_final(struct chash *h, uint8_t out[32])
{
	if (h->md != NULL) {
		memcpy(out, gcry_md_read(h->md, GCRY_MD_SHA256), 32);
		gcry_md_close(h->md);
	} else {
		sha256_final(&h->s, out);
	}
}

static int
content_hash(const char *path, uint64_t size, char hex[65])
{
	struct chash s;
	uint8_t buf[65536], out[32];
	FILE *f = fopen(path, "rb");
	uint64_t want, got = 0;
	size_t n;
	int i;

	if (f == NULL)
		return -1;
	chash_init(&s);
	chash_update(&s, &size, sizeof(size));
	want = size < 2 * (uint64_t)INGEST_HASH_SAMPLE ? size
						       : INGEST_HASH_SAMPLE;
	while (got < want && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (n > want - got)
			n = (size_t)(want - got);
		chash_update(&s, buf, n);
		got += n;
	}
	if (size > want && fseeko(f, (off_t)(size - INGEST_HASH_SAMPLE),
			       SEEK_SET) == 0) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			chash_update(&s, buf, n);
	}
	fclose(f);
	chash_final(&s, out);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	return 0;
}

static int
add_input(struct input **v, size_t *n, size_t *cap, const char *path,
    uint64_t size)
{
	if (*n >= INGEST_MAX_FILES)
		return -1;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct input *nv = realloc(*v, nc * sizeof(**v));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].path = strdup(path);
	(*v)[*n].size = size;
	(*v)[*n].first_us = UINT64_MAX;
	if ((*v)[*n].path == NULL)
		return -1;
	(*n)++;
	return 0;
}

static int
looks_like_capture(const char *path)
{
	uint8_t m[4];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(m, 1, 4, f);
	fclose(f);
	if (n != 4)
		return 0;
	/* pcap (us, ns; both byte orders) and pcapng section header */
	return (m[0] == 0xd4 && m[1] == 0xc3 && m[2] == 0xb2 && m[3] == 0xa1) ||
	    (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xc3 && m[3] == 0xd4) ||
	    (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1) ||
	    (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
	    (m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a);
}

/* A classic (not pcapng) capture file? */
static int
is_classic_pcap(const char *path)
{
	uint8_t m[4];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(m, 1, 4, f);
	fclose(f);
	return n == 4 && !(m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d &&
				m[3] == 0x0a);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every capture file in a directory (not recursive), by name. */
static int
expand_dir(const char *dir, struct input **v, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t nn = 0, nc = 0, i;
	int rc = 0;

	if (d == NULL) {
		errx_line(dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (nn == nc) {
			char **nv;

			nc = nc ? nc * 2 : 32;
			nv = realloc(names, nc * sizeof(*names));
			if (nv == NULL) {
				rc = -1;
				break;
			}
			names = nv;
		}
		if ((names[nn] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		nn++;
	}
	closedir(d);
	if (nn > 0)
		qsort(names, nn, sizeof(*names), cmp_name);
	for (i = 0; i < nn; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    looks_like_capture(path))
			if (add_input(v, n, cap, path, (uint64_t)st.st_size))
				rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
cmp_input(const void *a, const void *b)
{
	const struct input *x = a, *y = b;

	if (x->first_us != y->first_us)
		return x->first_us < y->first_us ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void
first_ts(struct input *in)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(in->path,
	    PCAP_TSTAMP_PRECISION_MICRO, eb);
	struct pcap_pkthdr *h;
	const u_char *d;

	if (p == NULL)
		return;
	if (pcap_next_ex(p, &h, &d) == 1)
		in->first_us = (uint64_t)h->ts.tv_sec * 1000000u +
		    (uint64_t)h->ts.tv_usec;
	pcap_close(p);
}

struct progress {
	int on;
	double start, last;
	uint64_t total_bytes, done_bytes;
};

static void
progress_show(struct progress *pg, uint64_t pkts, uint64_t file_off,
    int final)
{
	double t = now_s(), el = t - pg->start, rate, eta, pct;
	uint64_t done = pg->done_bytes + file_off;

	if (!pg->on || (!final && (el < 1.0 || t - pg->last < 0.2)))
		return;
	if (final && el < 1.0)
		return;
	pg->last = t;
	pct = pg->total_bytes ? 100.0 * (double)done / (double)pg->total_bytes
			      : 100.0;
	rate = el > 0 ? (double)pkts / el : 0;
	eta = done > 0 && pct < 100.0 ? el * (100.0 - pct) / pct : 0;
	fprintf(stderr, "\r%5.1f%% %10" PRIu64 " packets %9.0f pkt/s  ETA %4.0fs%s",
	    pct > 100.0 ? 100.0 : pct, pkts, rate, eta, final ? "\n" : "");
	fflush(stderr);
}


/*
 * The block reader for classic pcap files.  libpcap reads each record
 * with two fread() calls through stdio (a fifth of the time on small
 * frames); this maps a regular file a window of INGEST_WINDOW at a time
 * (else reads 128 KiB at a time with read(2)) and walks the 16-byte
 * record headers in place.  It keeps every check libpcap makes, with
 * libpcap's messages: a record cut by the end of the file, a captured
 * length over 256 KiB, a record longer than the file's snaplen (which
 * libpcap cuts silently, and otzone reports as damage).  The file header
 * was already checked by pcap_open_offline; only files whose records
 * libpcap hands over unchanged come here (pcap 2.4, micro- or
 * nanosecond magic in either byte order, a link type without pseudo-
 * header fix-ups); anything else stays on libpcap.
 */
struct blk {
	int fd;
	int mapped;	 /* buf is a window of the file mapped at off - pos */
	uint64_t seen;	 /* mapped: the file's size at the last look */
	uint8_t *buf;
	size_t cap;	 /* INGEST_BLOCK + room for the longest record; one
			  * read(2) asks for INGEST_BLOCK at most */
	size_t pos, len; /* unread bytes are buf[pos..len) */
	uint64_t off;	 /* file offset of buf[pos] */
	int eof, err;	 /* err: errno of a failed read */
	int swapped, nsec;
	uint32_t snaplen;
};

struct blk_rec {
	const uint8_t *data;
	uint32_t caplen, len;
	uint64_t ts_us;
};

static uint32_t
blk_u32(const struct blk *b, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return b->swapped ? __builtin_bswap32(v) : v;
}

/*
 * The mapped window, for the SIGBUS handler.  A file truncated by
 * another process while it is read leaves the mapped pages past its new
 * end unbacked: touching them raises SIGBUS.  The handler puts zero
 * pages there instead and raises blk_bus; blk_next then stops the file
 * with an error (what was read before is kept, as for any damage).  One
 * file is read at a time.  mmap(2) is not on POSIX's list of
 * async-signal-safe functions, but on Linux it is a bare system call.
 */
static uint8_t *volatile blk_win;
static volatile size_t blk_win_len;
static volatile sig_atomic_t blk_bus;
static struct sigaction blk_old_bus;
static size_t blk_page = 4096; /* sysconf(_SC_PAGESIZE) at blk_open */

static void
blk_on_bus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr, w = (uintptr_t)blk_win;
	size_t pg = blk_page, n = blk_win_len;

	(void)uc;
	if (w != 0 && a >= w && a - w < n) {
		uint8_t *from = blk_win + ((a - w) & ~(uintptr_t)(pg - 1));

		if (mmap(from, n - (size_t)(from - blk_win), PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    MAP_FAILED) {
			blk_bus = 1;
			return;
		}
	}
	/* not ours, or no way round it: die of it as without the handler */
	signal(sig, SIG_DFL);
}

/* Map the window that starts at the current record (b->off); returns the
 * bytes available from it, fewer than need only at the end of the file
 * (or 0 with b->err set).  A window that cannot be mapped (some file
 * systems; no address space left) ends the mapping: the rest of the file
 * is read, from the current record on. */
static size_t blk_fill(struct blk *, size_t);

static size_t
blk_remap(struct blk *b, size_t need)
{
	struct stat st;
	uint64_t base = b->off & ~(uint64_t)(blk_page - 1);
	size_t n;
	void *m;

	if (b->buf != NULL) {
		blk_win = NULL;
		munmap(b->buf, b->len);
		b->buf = NULL;
		b->len = b->pos = 0;
	}
	if (fstat(b->fd, &st) != 0) {
		b->err = errno;
		return 0;
	}
	if ((uint64_t)st.st_size < b->seen) {
		blk_bus = 1; /* shorter than a window mapped before */
		return 0;
	}
	b->seen = (uint64_t)st.st_size;
	if ((uint64_t)st.st_size <= b->off) {
		b->eof = 1;
		return 0;
	}
	n = (uint64_t)st.st_size - base < INGEST_WINDOW
	    ? (size_t)((uint64_t)st.st_size - base)
	    : INGEST_WINDOW;
	m = mmap(NULL, n, PROT_READ, MAP_SHARED | MAP_POPULATE, b->fd,
	    (off_t)base);
	if (m == MAP_FAILED &&
	    lseek(b->fd, (off_t)b->off, SEEK_SET) == (off_t)b->off &&
	    (b->buf = malloc(INGEST_BLOCK + 16 + BLK_MAX_CAPLEN)) != NULL) {
		(void)sigaction(SIGBUS, &blk_old_bus, NULL);
		b->mapped = 0;
		b->cap = INGEST_BLOCK + 16 + BLK_MAX_CAPLEN;
		return blk_fill(b, need);
	}
	if (m == MAP_FAILED) {
		b->err = errno;
		return 0;
	}
	(void)madvise(m, n, MADV_SEQUENTIAL);
	b->buf = m;
	b->len = n;
	b->pos = (size_t)(b->off - base);
	blk_win_len = n;
	blk_win = m;
	return b->len - b->pos;
}

/* Make at least need bytes available at buf[pos]; returns how many are
 * (fewer only at the end of the file or on a read error). */
static size_t
blk_fill(struct blk *b, size_t need)
{
	if (b->len - b->pos >= need)
		return b->len - b->pos;
	if (b->mapped)
		return blk_remap(b, need);
	if (b->pos > 0) {
		memmove(b->buf, b->buf + b->pos, b->len - b->pos);
		b->len -= b->pos;
		b->pos = 0;
	}
	while (b->len < need && !b->eof && !b->err) {
		size_t want = b->cap - b->len;
		ssize_t n;

		if (want > INGEST_BLOCK)
			want = INGEST_BLOCK;
		n = read(b->fd, b->buf + b->len, want);
		if (n > 0)
			b->len += (size_t)n;
		else if (n == 0)
			b->eof = 1;
		else if (errno != EINTR)
			b->err = errno;
	}
	return b->len - b->pos;
}

/*
 * Is this classic capture one the block reader handles the way libpcap
 * would?  Reads the file header; on yes, b is ready at the first record.
 */
static int
blk_open(struct blk *b, const char *path, int dlt, int snaplen)
{
	uint8_t h[24];
	uint32_t magic;
	uint16_t major, minor;
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		break;
	default:
		return 0;
	}
	if (snaplen <= 0)
		return 0;
	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return 0;
	if (read(b->fd, h, sizeof(h)) != (ssize_t)sizeof(h))
		goto no;
	memcpy(&magic, h, 4);
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
		b->swapped = 0;
	} else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
		b->swapped = 1;
		magic = __builtin_bswap32(magic);
	} else {
		goto no;
	}
	b->nsec = magic == 0xa1b23c4du;
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	if (b->swapped) {
		major = __builtin_bswap16(major);
		minor = __builtin_bswap16(minor);
	}
	/* 2.3 and older may have caplen and len swapped: libpcap's. */
	if (major != 2 || minor < 4)
		goto no;
	/* libpcap swaps fields inside SLL headers of swapped files */
	if (b->swapped && (dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2))
		goto no;
	b->snaplen = (uint32_t)snaplen;
	b->off = 24;
	/* large regular files are mapped; small ones gain nothing by it */
	if (fstat(b->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= INGEST_WINDOW) {
		struct sigaction sa;
		long pg = sysconf(_SC_PAGESIZE);

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = blk_on_bus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		blk_bus = 0;
		if (pg > 0 && (pg & (pg - 1)) == 0)
			blk_page = (size_t)pg;
		if (sigaction(SIGBUS, &sa, &blk_old_bus) == 0) {
			b->mapped = 1;
			return 1;
		}
	}
	b->cap = INGEST_BLOCK + 16 + BLK_MAX_CAPLEN;
	b->buf = malloc(b->cap);
	if (b->buf == NULL)
		goto no;
	(void)posix_fadvise(b->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 1;
no:
	close(b->fd);
	b->fd = -1;
	return 0;
}

static void
blk_close(struct blk *b)
{
	if (b->mapped) {
		blk_win = NULL;
		if (b->buf != NULL)
			munmap(b->buf, b->len);
		(void)sigaction(SIGBUS, &blk_old_bus, NULL);
	} else {
		free(b->buf);
	}
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	b->buf = NULL;
}

/*
 * The next record: 1, 0 at the end of the file, -1 with libpcap's
 * message in err (damage), -2 for a record longer than the snaplen.
 */
static int
blk_next(struct blk *b, struct blk_rec *r, char *err, size_t errlen)
{
	const uint8_t *h;
	size_t avail = b->len - b->pos;
	uint32_t usec;

	if (blk_bus)
		goto shrank;
	/* The common record: whole in the block, within the snaplen.  The
	 * bytes a few records on are fetched now (two lines: a record of
	 * small frames is longer than one): a mapped file's pages are
	 * scattered, and the hardware's streamer stops at each page's end. */
	if (avail >= 16) {
		h = b->buf + b->pos;
		if (avail >= 1152) {
			__builtin_prefetch(h + 1024);
			__builtin_prefetch(h + 1088);
		}
		r->caplen = blk_u32(b, h + 8);
		if (r->caplen <= b->snaplen && r->caplen <= BLK_MAX_CAPLEN &&
		    16 + (size_t)r->caplen <= avail)
			goto whole;
	}
	avail = blk_fill(b, 16);
	if (avail < 16) {
		if (blk_bus)
			goto shrank;
		if (b->err)
			snprintf(err, errlen, "error reading dump file: %s",
			    strerror(b->err));
		else if (avail == 0)
			return 0;
		else
			snprintf(err, errlen, "truncated dump file; tried to "
			    "read 16 header bytes, only got %zu", avail);
		return -1;
	}
	h = b->buf + b->pos;
	r->caplen = blk_u32(b, h + 8);
	if (r->caplen > BLK_MAX_CAPLEN) {
		if (r->caplen > b->snaplen)
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than snaplen of %u", r->caplen,
			    b->snaplen);
		else
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than maximum of %u", r->caplen,
			    BLK_MAX_CAPLEN);
		return -1;
	}
	avail = blk_fill(b, 16 + (size_t)r->caplen);
	h = b->buf + b->pos;
	if (avail < 16 + (size_t)r->caplen) {
		avail = avail < 16 ? 0 : avail - 16;
		if (blk_bus)
			goto shrank;
		if (b->err)
			snprintf(err, errlen, "error reading dump file: %s",
			    strerror(b->err));
		else if (r->caplen > b->snaplen && avail < b->snaplen)
			snprintf(err, errlen, "truncated dump file; tried to "
			    "read %u captured bytes, only got %zu",
			    b->snaplen, avail);
		else
			snprintf(err, errlen, "truncated dump file; tried to "
			    "read %u captured bytes, only got %zu",
			    r->caplen, avail);
		return -1;
	}
	if (r->caplen > b->snaplen)
		return -2;
whole:
	r->len = blk_u32(b, h + 12);
	/* libpcap's struct pcap_timeval: signed 32-bit fields */
	usec = blk_u32(b, h + 4);
	r->ts_us = (uint64_t)(int64_t)(int32_t)blk_u32(b, h) * 1000000u +
	    (uint64_t)(int64_t)(b->nsec ? (int32_t)usec / 1000
					: (int32_t)usec);
	r->data = h + 16;
	b->pos += 16 + (size_t)r->caplen;
	b->off += 16 + (uint64_t)r->caplen;
	return 1;
shrank:
	snprintf(err, errlen, "the file shrank while it was read (truncated "
	    "by another process?)");
	return -1;
}

/*
 * `read --events/--syslog`: change events at each flush (docs/events.md).
 * One per process; NULL when events are off, so the flush costs nothing
 * more then.
 */
struct ingest_ev {
	struct store_events *det;
	struct events_out *out;
	struct policy pol;
	int have_pol;
	uint64_t threshold;
	const char *path; /* the file being read, for drops' evidence */
	uint64_t frame, ts_us, pkts_at, pkts_now;
	uint64_t eng_drops, drops_at; /* evicted connections, fragments */
};
static struct ingest_ev *ingest_ev;

/* Where a flush is made: the evidence of a capture-drops event. */
static void
ev_mark(const char *path, uint64_t frame, uint64_t ts_us)
{
	if (ingest_ev == NULL)
		return;
	ingest_ev->path = path;
	ingest_ev->frame = frame;
	ingest_ev->ts_us = ts_us;
}

/* After a committed flush: its change events, and drops by caps in the
 * interval when over the threshold. */
static void
ev_after_flush(struct ingest_ev *x, struct engine *e, struct graph *g)
{
	const struct store_event *v;
	struct graph_stats gs;
	uint64_t drops;
	size_t n;

	v = store_events_get(x->det, &n);
	if (n > 0 && events_emit(x->out, v, n) != 0)
		fprintf(stderr, "otzone: events: a line could not be "
				"written\n");
	if (e != NULL) {
		struct engine_stats es;

		engine_stats(e, &es);
		x->eng_drops = es.conns_evicted + es.frags_dropped;
		x->pkts_now = es.packets;
	}
	graph_stats(g, &gs);
	drops = x->eng_drops + gs.assets_capped + gs.edges_capped;
	if (drops - x->drops_at > x->threshold) {
		struct store_event d;

		memset(&d, 0, sizeof(d));
		d.type = SEV_CAPTURE_DROPS;
		d.ts_us = (int64_t)x->ts_us;
		snprintf(d.source, sizeof(d.source), "%s",
		    x->path ? x->path : "");
		d.frame = x->frame;
		d.drops = drops - x->drops_at;
		d.packets = x->pkts_now - x->pkts_at;
		d.threshold = x->threshold;
		events_emit(x->out, &d, 1);
	}
	x->drops_at = drops;
	x->pkts_at = x->pkts_now;
}

static int
flush(struct store *st, struct engine *e, struct graph *g)
{
	char err[512];
	int tries;

	if (e != NULL)
		engine_push(e);
	for (tries = 0; tries < 3; tries++) {
		if (ingest_ev != NULL) {
			if (store_flush_events(st, g, ingest_ev->det, err,
				sizeof(err)) == 0) {
				ev_after_flush(ingest_ev, e, g);
				return 0;
			}
		} else if (store_flush(st, g, err, sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "otzone: %s: %s%s\n", store_path(st), err,
		    tries < 2 ? " (retrying)" : "");
		sleep(1);
	}
	return -1;
}

/* Open the event outputs and load the zones; 0, or -1 after printing. */
static int
ev_setup(const struct ingest_opts *o, struct store *st, struct ingest_ev *x)
{
	struct events_cfg ec;
	char err[8192], host[256], name[256];

	memset(x, 0, sizeof(*x));
	memset(&ec, 0, sizeof(ec));
	if (o->policy != NULL) {
		if (policy_load(o->policy, &x->pol, err, sizeof(err)) != 0) {
			policy_print_errors(err);
			return -1;
		}
		x->have_pol = 1;
	}
	snprintf(name, sizeof(name), "%s", store_sensor_name(st));
	if (name[0] == '\0' && gethostname(name, sizeof(name) - 1) != 0)
		snprintf(name, sizeof(name), "otzone");
	name[sizeof(name) - 1] = '\0';
	ec.file = o->events;
	ec.max_bytes = o->events_max_bytes;
	ec.keep = o->events_keep;
	ec.observer = name;
	ec.facility = o->syslog_facility;
	if (o->syslog != NULL &&
	    events_parse_target(o->syslog, host, sizeof(host), &ec) != 0) {
		fprintf(stderr, "otzone: --syslog: '%s' is not "
				"[udp://|tcp://]HOST:PORT\n", o->syslog);
		return -1;
	}
	x->threshold = o->drop_threshold;
	if ((x->det = store_events_new()) == NULL) {
		fprintf(stderr, "otzone: out of memory\n");
		return -1;
	}
	if ((x->have_pol ? store_events_set_policy(x->det, st, &x->pol, err,
			       sizeof(err))
			 : store_events_use_proposal(x->det, st, err,
			       sizeof(err))) != 0) {
		errx_line(store_path(st), err);
		return -1;
	}
	if ((x->out = events_open(&ec, err, sizeof(err))) == NULL) {
		fprintf(stderr, "otzone: events: %s\n", err);
		return -1;
	}
	return 0;
}

static void
ev_teardown(struct ingest_ev *x)
{
	events_close(x->out);
	store_events_free(x->det);
	if (x->have_pol)
		policy_clear(&x->pol);
	memset(x, 0, sizeof(*x));
}

/* With a policy: check it, emit the findings not stored before, store
 * the check (as `otzone check` does).  0, or -1 after printing. */
static int
ev_findings(struct ingest_ev *x, struct store *st, const char *policy_path)
{
	struct st_asset *as = NULL;
	struct st_flow *fs = NULL;
	size_t na = 0, nf = 0, n;
	struct check_result res;
	const struct store_event *v;
	char err[512];
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (store_load_assets(st, &as, &na, err, sizeof(err)) != 0 ||
	    store_load_flows(st, &fs, &nf, err, sizeof(err)) != 0) {
		errx_line(store_path(st), err);
		goto out;
	}
	if (output_prepare_assets(as, na, fs, nf) != 0 ||
	    check_run(&x->pol, as, na, fs, nf, &res, err, sizeof(err)) != 0) {
		fprintf(stderr, "otzone: out of memory\n");
		goto out;
	}
	if (store_events_findings(x->det, st, &x->pol, &res, err,
		sizeof(err)) != 0) {
		errx_line(store_path(st), err);
		goto out;
	}
	v = store_events_get(x->det, &n);
	if (n > 0 && events_emit(x->out, v, n) != 0)
		fprintf(stderr, "otzone: events: a line could not be "
				"written\n");
	if (check_db_save(st, &x->pol, &res, policy_path, err,
		sizeof(err)) != 0) {
		errx_line(store_path(st), err);
		goto out;
	}
	rc = 0;
out:
	check_result_free(&res);
	free(as);
	store_free_flows(fs, nf);
	return rc;
}

/* Read one file; returns 0, or -1 after printing why. */
static int
read_one(const struct ingest_opts *o, struct store *st, struct engine *e,
    struct graph *g, struct input *in, struct progress *pg,
    uint64_t *total_pkts)
{
	char eb[PCAP_ERRBUF_SIZE], hash[65], err[512];
	struct store_source src;
	struct engine_stats before, after;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	uint64_t frame = 0, ts;
	uint32_t id;
	int rc, ret = 0, snaplen, classic;
	uint64_t expect_off;
	FILE *pf;
	struct blk b;

	memset(&src, 0, sizeof(src));
	if (!looks_like_capture(in->path)) {
		FILE *f = fopen(in->path, "rb");

		if (f == NULL) {
			errx_line(in->path, strerror(errno));
			return -1;
		}
		fclose(f);
		errx_line(in->path, "not a pcap or pcapng capture");
		return -1;
	}
	if (content_hash(in->path, in->size, hash) != 0) {
		errx_line(in->path, strerror(errno));
		return -1;
	}
	if (!o->force && store_source_seen(st, hash)) {
		fprintf(stderr,
		    "otzone: %s: already ingested (same content), skipped; "
		    "--force reads it again\n", in->path);
		return 0;
	}
	p = pcap_open_offline_with_tstamp_precision(in->path,
	    PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (p == NULL) {
		errx_line(in->path, eb);
		return -1;
	}
	src.path = in->path;
	src.hash = hash;
	src.size = in->size;
	src.linktype = pcap_datalink(p);
	id = store_source_begin(st, &src, err, sizeof(err));
	if (id == 0) {
		errx_line(store_path(st), err);
		pcap_close(p);
		return -1;
	}
	engine_set_source(e, id, src.linktype);
	engine_stats(e, &before);
	pf = pcap_file(p);
	snaplen = pcap_snapshot(p);
	classic = is_classic_pcap(in->path);
	if (classic && blk_open(&b, in->path, src.linktype, snaplen)) {
		struct blk_rec r;

		while ((rc = blk_next(&b, &r, err, sizeof(err))) == 1) {
			frame++;
			if (src.first_us == 0 || r.ts_us < src.first_us)
				src.first_us = r.ts_us;
			if (r.ts_us > src.last_us)
				src.last_us = r.ts_us;
			engine_frame(e, r.data, r.caplen, r.len, r.ts_us,
			    frame);
			if ((++*total_pkts & 4095) == 0 && pg->on)
				progress_show(pg, *total_pkts, b.off, 0);
			if (*total_pkts % INGEST_FLUSH_PACKETS == 0 &&
			    (ev_mark(in->path, frame, r.ts_us),
				flush(st, e, g)) != 0) {
				blk_close(&b);
				pcap_close(p);
				return -1;
			}
		}
		blk_close(&b);
		if (rc == -2) {
			snprintf(err, sizeof(err),
			    "frame %" PRIu64 " is longer than the file's "
			    "snaplen (%d bytes): file damaged; stopped there",
			    frame + 1, snaplen);
			errx_line(in->path, err);
			ret = -1;
		} else if (rc == -1) {
			char why[sizeof(err)];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, sizeof(err),
			    "capture damaged after frame %" PRIu64 ": %.400s",
			    frame, why);
			errx_line(in->path, err);
			ret = -1;
		}
		goto done;
	}
	expect_off = 24; /* classic pcap: file header, then records */
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		frame++;
		expect_off += 16 + (uint64_t)h->caplen;
		/*
		 * libpcap cuts a record longer than the file's snaplen to the
		 * snaplen and skips the rest, silently.  Such a record means
		 * the writer broke its own header: say so and stop.  Checked
		 * only where it can happen (caplen == snaplen), so the common
		 * path costs nothing.
		 */
		if (classic && pf != NULL && snaplen > 0 &&
		    h->caplen == (unsigned)snaplen &&
		    (uint64_t)ftello(pf) != expect_off) {
			snprintf(err, sizeof(err),
			    "frame %" PRIu64 " is longer than the file's "
			    "snaplen (%d bytes): file damaged; stopped there",
			    frame, snaplen);
			errx_line(in->path, err);
			rc = -3;
			ret = -1;
			break;
		}
		ts = (uint64_t)h->ts.tv_sec * 1000000u +
		    (uint64_t)h->ts.tv_usec;
		if (src.first_us == 0 || ts < src.first_us)
			src.first_us = ts;
		if (ts > src.last_us)
			src.last_us = ts;
		engine_frame(e, d, h->caplen, h->len, ts, frame);
		if ((++*total_pkts & 4095) == 0 && pg->on)
			progress_show(pg, *total_pkts,
			    pf ? (uint64_t)ftello(pf) : 0, 0);
		if (*total_pkts % INGEST_FLUSH_PACKETS == 0 &&
		    (ev_mark(in->path, frame, ts), flush(st, e, g)) != 0) {
			pcap_close(p);
			return -1;
		}
	}
	if (rc == PCAP_ERROR) {
		/* A damaged or cut file: keep what was read before it. */
		snprintf(err, sizeof(err),
		    "capture damaged after frame %" PRIu64 ": %s", frame,
		    pcap_geterr(p));
		errx_line(in->path, err);
		ret = -1;
	}
done:
	pcap_close(p);
	engine_stats(e, &after);
	src.packets = after.packets - before.packets;
	src.bytes = after.bytes - before.bytes;
	src.truncated = after.truncated - before.truncated;
	src.malformed = after.malformed - before.malformed;
	src.not_ip = after.not_ip - before.not_ip;
	src.dropped_caps = after.conns_evicted - before.conns_evicted;
	ev_mark(in->path, frame, src.last_us);
	if (flush(st, e, g) != 0)
		return -1;
	if (ret == 0 && store_source_end(st, id, &src, err, sizeof(err))) {
		errx_line(store_path(st), err);
		return -1;
	}
	pg->done_bytes += in->size;
	return ret;
}

int
ingest_run(const struct ingest_opts *o, char *const *paths, int npaths)
{
	struct input *in = NULL;
	size_t n = 0, cap = 0, i;
	struct store *st = NULL;
	struct graph *g = NULL;
	struct engine *e = NULL;
	struct progress pg;
	struct ingest_ev evx;
	struct engine_stats es;
	struct graph_stats gs;
	char err[512];
	uint64_t total = 0;
	int bad = 0, k;

	memset(&pg, 0, sizeof(pg));
	memset(&evx, 0, sizeof(evx));
	if (o->policy != NULL && o->events == NULL && o->syslog == NULL) {
		fprintf(stderr, "otzone: read: --policy is for the change "
				"events: give --events or --syslog (or run "
				"'otzone check')\n");
		return 2;
	}
	for (k = 0; k < npaths; k++) {
		struct stat sb;

		if (stat(paths[k], &sb) != 0) {
			errx_line(paths[k], strerror(errno));
			bad = 1;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (expand_dir(paths[k], &in, &n, &cap) != 0)
				bad = 1;
		} else if (add_input(&in, &n, &cap, paths[k],
			       (uint64_t)sb.st_size) != 0) {
			errx_line(paths[k], "too many files");
			bad = 1;
		}
	}
	if (n == 0) {
		if (!bad)
			fprintf(stderr, "otzone: read: no capture files\n");
		free(in);
		return 2;
	}
	for (i = 0; i < n; i++) {
		first_ts(&in[i]);
		pg.total_bytes += in[i].size;
	}
	qsort(in, n, sizeof(*in), cmp_input);

	st = store_open(o->db, 0, err, sizeof(err));
	if (st == NULL) {
		errx_line(o->db, err);
		bad = 1;
		goto out;
	}
	if ((o->events != NULL || o->syslog != NULL) &&
	    ev_setup(o, st, &evx) != 0) {
		bad = 1;
		goto out;
	}
	if (evx.det != NULL)
		ingest_ev = &evx;
	g = graph_new(&o->ecfg.graph);
	e = g ? engine_new(&o->ecfg, g, err, sizeof(err)) : NULL;
	if (e == NULL) {
		fprintf(stderr, "otzone: %s\n", g ? err : "out of memory");
		bad = 1;
		goto out;
	}
	pg.on = o->progress;
	pg.start = now_s();
	for (i = 0; i < n; i++)
		if (read_one(o, st, e, g, &in[i], &pg, &total) != 0)
			bad = 1;
	progress_show(&pg, total, 0, 1);
	engine_stats(e, &es);
	engine_free(e); /* pushes every open connection */
	e = NULL;
	/* the last file's place stays the evidence of this flush */
	if (flush(st, NULL, g) != 0) {
		bad = 1;
	}
	if (ingest_ev != NULL && evx.have_pol &&
	    ev_findings(&evx, st, o->policy) != 0)
		bad = 1;
	if (ingest_ev != NULL) {
		struct events_stats xs;
		uint64_t left = events_drain(evx.out, 5000);

		events_get_stats(evx.out, &xs);
		if (left > 0 || xs.syslog_dropped > 0)
			fprintf(stderr, "otzone: syslog: %" PRIu64 " of %"
					PRIu64 " events not delivered\n",
			    xs.syslog_dropped, xs.emitted);
	}
	graph_stats(g, &gs);
	if (!o->quiet)
		fprintf(stderr,
		    "otzone: read %zu file%s: %" PRIu64 " packets, %" PRIu64
		    " bytes, %" PRIu64 " connections, %u flows, %u assets, %"
		    PRIu64 " truncated, %" PRIu64 " malformed, %" PRIu64
		    " dropped by caps, %" PRIu64 " duplicates\n",
		    n, n == 1 ? "" : "s", es.packets, es.bytes, es.conns,
		    gs.edges, gs.assets, es.truncated,
		    es.malformed + es.dis_malformed,
		    es.conns_evicted + es.frags_dropped + gs.assets_capped +
			gs.edges_capped,
		    es.duplicates);
out:
	engine_free(e);
	ingest_ev = NULL;
	ev_teardown(&evx);
	graph_free(g);
	store_close(st);
	for (i = 0; i < n; i++)
		free(in[i].path);
	free(in);
	return bad ? 2 : 0;
}
