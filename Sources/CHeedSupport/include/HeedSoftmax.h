#ifndef HEED_SOFTMAX_H
#define HEED_SOFTMAX_H

/* Softmax of one row of float32 scores in place: w = exp(s - max) / sum, with the maximum
   subtracted first and the normalisation done as a multiplication by 1/sum. exp is a
   polynomial good to about 1 ulp that returns 0 below the float32 normal range. Uses AVX2+FMA
   when the CPU has them. */
void heed_softmax_row_f32(float *scores, long count);

/* Softmax backward of one row in place: g = w * (g - sum(g * w)). */
void heed_softmax_backward_row_f32(float *grad, const float *weights, long count);

#endif
