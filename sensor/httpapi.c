/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * httpapi.c: the read-only HTTP API (see httpapi.h).
 *
 * Trust: whoever can reach the socket.  By default that is the loopback
 * interface only; any other address needs a bearer token (config.c
 * refuses the combination, and httpapi_new() checks again).  Nothing a
 * client sends reaches the capture, the graph or the database except as
 * a read, and every resource a client can hold is bounded:
 *  - the request line and headers (evhttp_set_max_headers_size), no body;
 *  - time: evhttp's read/write timeout, plus a whole-life limit per
 *    connection, so a client that trickles one byte a second (slowloris)
 *    is still cut off;
 *  - connections: counted from accept to close; past the limit a new
 *    connection is closed at once.
 *
 * evhttp 2.1 has no connection limit of its own.  The count uses only
 * public API: the bufferevent callback (evhttp_set_bevcb) runs for every
 * accepted connection; a deferred event then takes the evhttp_connection
 * from the bufferevent's callback argument (bufferevent_getcb) and sets a
 * close callback on it.  The deferred event runs in the same loop pass,
 * before any I/O on the new socket, so the connection is still alive.
 *
 * Bodies for assets and flows are built with the CLI's own output code on
 * an open_memstream FILE and cached until the next flush (generation).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/store.h"
#include "config.h"
#include "httpapi.h"
#include "output.h"
#include "sha256.h"

#define HTTPAPI_CACHE_MAX (64u << 20) /* bytes of a cached body */

enum { EP_ASSETS = 0, EP_FLOWS, EP_N };

struct cached {
	char *body;
	size_t len;
	uint64_t gen;
	int valid;
};

struct apiconn;

struct httpapi {
	struct event_base *base;
	struct evhttp *http;
	struct httpapi_hooks hooks;
	char *token;
	uint32_t max_conns, timeout;
	struct event *adopt_ev;
	struct bufferevent **pending; /* accepted in this loop pass */
	size_t n_pending, cap_pending;
	struct apiconn *conns; /* open connections */
	struct cached cache[EP_N];
	struct httpapi_stats st;
};

struct apiconn {
	struct httpapi *api;
	struct evhttp_connection *evcon;
	struct event *life;
	struct apiconn *prev, *next;
};

int
httpapi_token_equal(const char *a, const char *b)
{
	struct sha256 s;
	uint8_t ha[32], hb[32];
	volatile uint8_t diff = 0;
	size_t i;

	sha256_init(&s);
	sha256_update(&s, a, strlen(a));
	sha256_final(&s, ha);
	sha256_init(&s);
	sha256_update(&s, b, strlen(b));
	sha256_final(&s, hb);
	for (i = 0; i < sizeof(ha); i++)
		diff |= (uint8_t)(ha[i] ^ hb[i]);
	return diff == 0;
}

/* ---- connection accounting ------------------------------------------------- */

static void
conn_unlink(struct apiconn *c)
{
	struct httpapi *api = c->api;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		api->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (api->st.conns_open > 0)
		api->st.conns_open--;
	event_free(c->life);
	free(c);
}

static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct apiconn *c = arg;

	(void)evcon;
	conn_unlink(c);
}

/* A connection's whole life is over: cut it, whatever it is doing. */
static void
on_conn_life(evutil_socket_t fd, short what, void *arg)
{
	struct apiconn *c = arg;
	struct evhttp_connection *evcon = c->evcon;

	(void)fd;
	(void)what;
	c->api->st.conns_expired++;
	/* the close callback may or may not run from here: unhook first */
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	conn_unlink(c);
	evhttp_connection_free(evcon);
}

static struct bufferevent *
on_new_bev(struct event_base *base, void *arg)
{
	struct httpapi *api = arg;
	struct bufferevent *bev;

	/* Grow first: a connection we could not track would escape the
	 * limit.  The array is bounded by one pass of accepts (the listen
	 * backlog). */
	if (api->n_pending == api->cap_pending) {
		size_t nc = api->cap_pending ? api->cap_pending * 2 : 64;
		struct bufferevent **nv = realloc(api->pending,
		    nc * sizeof(*nv));

		if (nv == NULL)
			return NULL; /* out of memory: evhttp makes its own
				      * bufferevent, untracked */
		api->pending = nv;
		api->cap_pending = nc;
	}
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev != NULL) {
		api->pending[api->n_pending++] = bev;
		event_active(api->adopt_ev, EV_READ, 0);
	}
	return bev;
}

static void
on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct httpapi *api = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < api->n_pending; i++) {
		struct bufferevent *bev = api->pending[i];
		struct evhttp_connection *evcon;
		struct apiconn *c;
		struct timeval tv;
		void *cbarg = NULL;

		bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg);
		evcon = cbarg;
		if (evcon == NULL)
			continue;
		api->st.conns_accepted++;
		if (api->st.conns_open >= api->max_conns ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			api->st.conns_refused++;
			evhttp_connection_free(evcon);
			continue;
		}
		c->api = api;
		c->evcon = evcon;
		c->life = evtimer_new(api->base, on_conn_life, c);
		if (c->life == NULL) {
			free(c);
			api->st.conns_refused++;
			evhttp_connection_free(evcon);
			continue;
		}
		tv.tv_sec = 3 * (time_t)api->timeout;
		tv.tv_usec = 0;
		evtimer_add(c->life, &tv);
		c->next = api->conns;
		if (api->conns != NULL)
			api->conns->prev = c;
		api->conns = c;
		api->st.conns_open++;
		evhttp_connection_set_closecb(evcon, on_conn_close, c);
	}
	api->n_pending = 0;
}

/* ---- responses ------------------------------------------------------------- */

static void
send_body(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (b == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	if (len > 0 && evbuffer_add(b, body, len) != 0) {
		evbuffer_free(b);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
send_json_error(struct httpapi *api, struct evhttp_request *req, int code,
    const char *reason, const char *msg)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (code >= 500)
		api->st.errors++;
	if (f == NULL) {
		evhttp_send_error(req, code, reason);
		return;
	}
	fputs("{\"error\": ", f);
	json_str(f, msg);
	fprintf(f, ", \"status\": %d}\n", code);
	fclose(f);
	send_body(req, code, reason, "application/json", body, len);
	free(body);
}

/* Build the JSON of assets or flows, as the CLI does. */
static int
render(struct httpapi *api, int ep, char **body, size_t *len, char *err,
    size_t errlen)
{
	struct store *st = api->hooks.store(api->hooks.arg);
	struct st_asset *as = NULL;
	struct st_flow *fs = NULL;
	size_t na = 0, nf = 0;
	FILE *f;
	int rc = -1;

	*body = NULL;
	*len = 0;
	if (st == NULL) {
		snprintf(err, errlen, "no database");
		return -1;
	}
	if (store_load_flows(st, &fs, &nf, err, errlen) != 0)
		goto out;
	if (ep == EP_ASSETS) {
		if (store_load_assets(st, &as, &na, err, errlen) != 0)
			goto out;
		if (output_prepare_assets(as, na, fs, nf) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if ((f = open_memstream(body, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (ep == EP_ASSETS)
		output_assets(f, OUT_JSON, as, na);
	else
		output_flows(f, OUT_JSON, fs, nf);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "out of memory");
		free(*body);
		*body = NULL;
		goto out;
	}
	rc = 0;
out:
	free(as);
	store_free_flows(fs, nf);
	return rc;
}

static void
serve_graph(struct httpapi *api, struct evhttp_request *req, int ep)
{
	struct cached *c = &api->cache[ep];
	uint64_t gen = api->hooks.generation(api->hooks.arg);
	char err[512], *body;
	size_t len;

	if (c->valid && c->gen == gen) {
		send_body(req, 200, "OK", "application/json", c->body,
		    c->len);
		return;
	}
	if (render(api, ep, &body, &len, err, sizeof(err)) != 0) {
		send_json_error(api, req, 500, "Internal Server Error", err);
		return;
	}
	send_body(req, 200, "OK", "application/json", body, len);
	free(c->body);
	c->body = NULL;
	c->valid = 0;
	if (len <= HTTPAPI_CACHE_MAX) {
		c->body = body;
		c->len = len;
		c->gen = gen;
		c->valid = 1;
	} else {
		free(body);
	}
}

/* A body written by one of the daemon's hooks. */
static void
serve_hook(struct httpapi *api, struct evhttp_request *req,
    int (*fn)(void *, FILE *, char *, size_t), const char *what)
{
	char err[512], *body = NULL, msg[600];
	size_t len = 0;
	FILE *f;
	int rc;

	if ((f = open_memstream(&body, &len)) == NULL) {
		send_json_error(api, req, 500, "Internal Server Error",
		    "out of memory");
		return;
	}
	err[0] = '\0';
	rc = fn(api->hooks.arg, f, err, sizeof(err));
	fclose(f);
	if (rc == HTTPAPI_OK) {
		send_body(req, 200, "OK", "application/json", body, len);
	} else if (rc == HTTPAPI_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "%s: %s", what,
		    err[0] ? err : "not available");
		send_json_error(api, req, 503, "Service Unavailable", msg);
	} else {
		snprintf(msg, sizeof(msg), "%s: %s", what,
		    err[0] ? err : "failed");
		send_json_error(api, req, 500, "Internal Server Error", msg);
	}
	free(body);
}

static void
serve_text(struct httpapi *api, struct evhttp_request *req, int health)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	int ok = 1;

	if (f == NULL) {
		send_json_error(api, req, 500, "Internal Server Error",
		    "out of memory");
		return;
	}
	if (health)
		ok = api->hooks.health(api->hooks.arg, f);
	else
		api->hooks.metrics(api->hooks.arg, f);
	fclose(f);
	if (health)
		send_body(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable",
		    "application/json", body, len);
	else
		send_body(req, 200, "OK", "text/plain; version=0.0.4", body,
		    len);
	free(body);
}

static int
authorized(struct httpapi *api, struct evhttp_request *req)
{
	const char *h;

	if (api->token == NULL)
		return 1;
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	return httpapi_token_equal(h, api->token);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct httpapi *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	api->st.requests++;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		send_json_error(api, req, 405, "Method Not Allowed",
		    "the API is read-only: GET only");
		return;
	}
	if (!authorized(api, req)) {
		api->st.unauthorized++;
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"otzone\"");
		send_json_error(api, req, 401, "Unauthorized",
		    "a bearer token is required");
		return;
	}
	if (path == NULL) {
		send_json_error(api, req, 400, "Bad Request", "bad path");
		return;
	}
	if (strcmp(path, "/api/assets") == 0)
		serve_graph(api, req, EP_ASSETS);
	else if (strcmp(path, "/api/flows") == 0)
		serve_graph(api, req, EP_FLOWS);
	else if (strcmp(path, "/api/zones") == 0)
		serve_hook(api, req, api->hooks.zones, "zones");
	else if (strcmp(path, "/api/violations") == 0)
		serve_hook(api, req, api->hooks.violations, "violations");
	else if (strcmp(path, "/metrics") == 0)
		serve_text(api, req, 0);
	else if (strcmp(path, "/healthz") == 0)
		serve_text(api, req, 1);
	else {
		api->st.not_found++;
		send_json_error(api, req, 404, "Not Found", "no such path");
	}
}

/* ---- lifecycle ------------------------------------------------------------- */

struct httpapi *
httpapi_new(struct event_base *base, const struct httpapi_cfg *cfg,
    const struct httpapi_hooks *hooks, char *errbuf, size_t errlen)
{
	struct httpapi *api;
	int has_token = cfg->token != NULL && cfg->token[0] != '\0';

	if (!has_token && !config_addr_is_loopback(cfg->listen)) {
		snprintf(errbuf, errlen, "api: refusing to listen on %s "
					 "without a token", cfg->listen);
		return NULL;
	}
	if ((api = calloc(1, sizeof(*api))) == NULL) {
		snprintf(errbuf, errlen, "api: out of memory");
		return NULL;
	}
	api->base = base;
	api->hooks = *hooks;
	api->max_conns = cfg->max_connections ? cfg->max_connections : 32;
	api->timeout = cfg->timeout ? cfg->timeout : 10;
	if (has_token && (api->token = strdup(cfg->token)) == NULL)
		goto nomem;
	api->adopt_ev = event_new(base, -1, 0, on_adopt, api);
	api->http = evhttp_new(base);
	if (api->adopt_ev == NULL || api->http == NULL)
		goto nomem;
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET |
		EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
		EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(api->http,
	    cfg->max_request ? cfg->max_request : 8192);
	evhttp_set_max_body_size(api->http, 0);
	evhttp_set_timeout(api->http, (int)api->timeout);
	evhttp_set_gencb(api->http, on_request, api);
	evhttp_set_bevcb(api->http, on_new_bev, api);
	if (evhttp_bind_socket_with_handle(api->http, cfg->listen,
		cfg->port) == NULL) {
		snprintf(errbuf, errlen, "api: cannot listen on %s port %u: %s",
		    cfg->listen, (unsigned)cfg->port, strerror(errno));
		httpapi_free(api);
		return NULL;
	}
	return api;
nomem:
	snprintf(errbuf, errlen, "api: out of memory");
	httpapi_free(api);
	return NULL;
}

void
httpapi_free(struct httpapi *api)
{
	int i;

	if (api == NULL)
		return;
	/* evhttp_free closes every connection; their close callbacks must
	 * not run into freed state */
	while (api->conns != NULL) {
		evhttp_connection_set_closecb(api->conns->evcon, NULL, NULL);
		conn_unlink(api->conns);
	}
	if (api->http != NULL)
		evhttp_free(api->http);
	if (api->adopt_ev != NULL)
		event_free(api->adopt_ev);
	for (i = 0; i < EP_N; i++)
		free(api->cache[i].body);
	free(api->pending);
	free(api->token);
	free(api);
}

void
httpapi_stats(const struct httpapi *api, struct httpapi_stats *st)
{
	if (api == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = api->st;
}
