/** Types for fft.js (radix-4 real/complex FFT, power-of-two sizes), which ships none. */
declare module 'fft.js' {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    realTransform(output: number[], input: number[]): void;
    completeSpectrum(spectrum: number[]): void;
    transform(output: number[], input: number[]): void;
  }
}
