#ifndef STINTD_TMPL_H
#define STINTD_TMPL_H

/* Compatibility: tmpl.h became template_engine.h; kept until logprep.c and dispatch.c move over. */
#include "template_engine.h"

#define TMPL_MAX_TEXT TEMPLATE_ENGINE_MAX_TEXT

#endif
