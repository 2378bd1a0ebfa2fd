/** Types of ml-dsa-ntt.mjs (plain JavaScript for the verify threads). */
export declare const Q: number;
/** In place: the polynomial's NTT (FIPS 204 Algorithm 41); coefficients in (−q, q) in and out. */
export declare function ntt(w: Int32Array): Int32Array;
/** In place: the inverse (Algorithm 42), including the 256⁻¹ factor. */
export declare function inverseNtt(w: Int32Array): Int32Array;
