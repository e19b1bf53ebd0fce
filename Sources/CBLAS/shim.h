#ifndef HEED_CBLAS_SHIM_H
#define HEED_CBLAS_SHIM_H

#include <cblas.h>

/* OpenBLAS extras that Heed uses. OpenBLAS's own cblas.h declares them too;
   repeating the prototypes keeps the module building against a plain
   reference cblas.h that lacks them, as long as libopenblas is linked. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);

#endif
