/* CLyapShared is header-only; SwiftPM needs one source file per C target. */
#include "lyap_shared.h"
