/** File writing that readers can rely on: whole JSON files and whole folders appear at once or not at all. */
package dev.pairstream.erasure.io;
