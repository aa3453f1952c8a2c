/* SPDX-License-Identifier: BSD-2-Clause */
/* obs.c: names of protocols, classes and roles; safe string copy. */
#include <string.h>

#include "dissect.h"

const struct dissector *const dissectors[] = {
	&dissector_modbus, &dissector_dnp3, &dissector_s7, &dissector_enip,
	&dissector_opcua, NULL,
};

static const char *const proto_names[OBS_P_MAX] = {
	"", "modbus", "dnp3", "s7comm", "s7comm-plus", "enip", "cip", "opcua",
};

static const char *const class_names[OBS_C_MAX] = {
	"other", "read", "write", "control", "program", "discover", "session",
};

const char *
obs_proto_name(int proto)
{
	if (proto < 0 || proto >= OBS_P_MAX)
		return "";
	return proto_names[proto];
}

const char *
obs_class_name(int cls)
{
	if (cls < 0 || cls >= OBS_C_MAX)
		return "other";
	return class_names[cls];
}

int
obs_class_from_name(const char *s)
{
	int i;

	for (i = 0; i < OBS_C_MAX; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

const char *
obs_role_name(int proto, int role)
{
	/* Output uses short family names: s7comm and s7comm-plus are "s7". */
	static const char *const r[][7] = {
	    /* none,  client, server, master, outstation, scanner, adapter */
	    [OBS_P_MODBUS] = {"", "modbus-client", "modbus-server", "", "", "",
		""},
	    [OBS_P_DNP3] = {"", "dnp3-client", "dnp3-server", "dnp3-master",
		"dnp3-outstation", "", ""},
	    [OBS_P_S7COMM] = {"", "s7-client", "s7-server", "", "", "", ""},
	    [OBS_P_S7COMM_PLUS] = {"", "s7-client", "s7-server", "", "", "",
		""},
	    [OBS_P_ENIP] = {"", "enip-client", "enip-server", "", "",
		"cip-scanner", "cip-io-adapter"},
	    [OBS_P_CIP] = {"", "cip-client", "cip-server", "", "",
		"cip-scanner", "cip-io-adapter"},
	    [OBS_P_OPCUA] = {"", "opcua-client", "opcua-server", "", "", "",
		""},
	};

	if (proto <= OBS_P_NONE || proto >= OBS_P_MAX || role < 1 ||
	    role > OBS_R_IO_ADAPTER)
		return "";
	return r[proto][role];
}

void
obs_strcpy(char *dst, size_t dstlen, const uint8_t *src, size_t n,
    uint8_t *truncated)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && src[i] != '\0'; i++) {
		if (o + 1 >= dstlen) {
			if (truncated != NULL)
				*truncated = 1;
			break;
		}
		dst[o++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i]
							     : '?';
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}
