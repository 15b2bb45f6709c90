/* proto: the whole wire contract in one include, for services that speak several message families. */
#ifndef XR_PROTO_PROTO_H
#define XR_PROTO_PROTO_H

#include "admin.h"
#include "common.h"
#include "control.h"
#include "envelope.h"
#include "error.h"
#include "event.h"
#include "market.h"
#include "order.h"
#include "request.h"
#include "result.h"

#endif
