/* mem: the one allocation funnel (STYLE rule 13). Every allocation of xroute goes through here; running
 * out of memory aborts the process with a message, so callers never test for NULL. */
#ifndef XR_BASE_MEM_H
#define XR_BASE_MEM_H

#include <stddef.h>

/* Allocate; never return NULL (abort on OOM). mem_calloc zeroes. Result is the caller's to mem_free. */
void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *ptr, size_t size);

/* Copy a NUL-terminated string (or at most n bytes of it); NULL in gives NULL out. Caller frees. */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

/* Free; NULL is fine. */
void mem_free(void *ptr);

#endif
