/** Throughput measurement of the model core: operation counts of the UNet and the machine's measured peak. */
package dev.pairstream.erasure.bench;
