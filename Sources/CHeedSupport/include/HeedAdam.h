#ifndef HEED_ADAM_H
#define HEED_ADAM_H

/* One Adam step over n float32 weights, in tf-keras' order and rounding:
     m <- m + (g - m) * c1,  v <- v + (g * g - v) * c2,  w <- w - (m * alpha) / (sqrt(v) + eps)
   (c1 = 1 - beta1, c2 = 1 - beta2, alpha the bias-corrected learning rate). Every operation is
   rounded on its own, never fused into a multiply-add, so the vector and scalar paths give the
   same bits. AVX-512 or AVX2 when the CPU has them. */
void heed_adam_step_f32(float *w, float *m, float *v, const float *g, long n, float alpha, float c1, float c2,
                        float eps);

#endif
