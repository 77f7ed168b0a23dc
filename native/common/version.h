/* The helper's own version and the protocol version it speaks.
 * The protocol number changes only when an existing field or meaning changes
 * (docs/helper-protocol.md); new optional fields keep it. */
#ifndef LB_VERSION_H
#define LB_VERSION_H

#define LB_HELPER_VERSION "0.1.0"
#define LB_PROTOCOL_VERSION 1

#endif
