/** Noise schedules: DDPM for training and DDIM sampling with classifier-free guidance. */
package dev.pairstream.erasure.schedule;
