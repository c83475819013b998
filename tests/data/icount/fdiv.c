/* A float division through a pointer: a VDIV on M4/M7 (hard float, result in
 * s0), a soft-float __aeabi_fdiv call on the M0+ (result in r0). */
float icount_fdiv(const float *p);

float icount_fdiv(const float *p)
{
    return p[0] / p[1];
}
