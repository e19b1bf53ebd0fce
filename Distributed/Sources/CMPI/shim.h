#ifndef HEED_CMPI_SHIM_H
#define HEED_CMPI_SHIM_H

#include <mpi.h>

// Open MPI defines its handles as macros that take the address of a global object with a
// cast (`(MPI_Comm)&ompi_mpi_comm_world`), which Swift cannot import; these return them.
static inline MPI_Comm heed_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype heed_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype heed_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype heed_mpi_int(void) { return MPI_INT; }
static inline MPI_Op heed_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler heed_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request heed_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *heed_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline void *heed_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int heed_mpi_success(void) { return MPI_SUCCESS; }
static inline int heed_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int heed_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
