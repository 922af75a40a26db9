/*
 * pcp_internal.h - helpers shared by the PCP halves of the codec
 * (pcp_decode.c, pcp_encode.c, pcp_options.c, pcp_error.c).  Not installed,
 * not exported.
 */
#ifndef PORTCTL_WIRE_PCP_INTERNAL_H
#define PORTCTL_WIRE_PCP_INTERNAL_H

#include <portctl/wire.h>

#include <stddef.h>
#include <stdint.h>

/* Octet 1 of every PCP message: the R bit and the 7-bit opcode (W-2). */
#define PCTL_R_BIT       0x80u
#define PCTL_OPCODE_MASK 0x7fu

/* Absolute offsets of the common header fields (W-2, W-3). */
#define PCTL_OFF_VERSION    0
#define PCTL_OFF_OPCODE     1
#define PCTL_OFF_RESERVED   2
#define PCTL_OFF_RESULT     3
#define PCTL_OFF_LIFETIME   4
#define PCTL_OFF_CLIENT     8 /* requests */
#define PCTL_OFF_EPOCH      8 /* responses */
#define PCTL_OFF_RESERVED96 12
#define PCTL_RESERVED96_LEN 12

/* Absolute offsets of the MAP (W-5) and PEER (W-6) fields. */
#define PCTL_OFF_NONCE         24
#define PCTL_OFF_PROTOCOL      36
#define PCTL_OFF_INTERNAL_PORT 40
#define PCTL_OFF_EXTERNAL_PORT 42
#define PCTL_OFF_EXTERNAL_ADDR 44
#define PCTL_OFF_REMOTE_PORT   60
#define PCTL_OFF_REMOTE_ADDR   64

/* Octets of opcode-specific data after the common header for the opcodes
 * this codec knows (K-9, K-10, K-11), or -1 for any other opcode, whose body
 * is carried uninterpreted (S-10). */
int pctl_pcp_body_len(uint8_t opcode);

#endif
