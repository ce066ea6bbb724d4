/** Loading the DJL PyTorch engine offline from the natives on the classpath. */
package dev.pairstream.erasure.runtime;
