// syncfs(2), which Swift's Glibc module does not declare (a GNU extension). AtomicFile flushes a set of
// report files with one call per file system instead of an fsync per file: a suite's ~110 log files
// and three reports took ~160 ms of fsyncs on the CI host's ext4, one syncfs ~18 ms.
#ifndef CFILESYNC_H
#define CFILESYNC_H

/// syncfs(fd): writes back everything cached for the file system holding `fd` and waits for it.
/// Returns 0, or -1 with errno set (including a write-back error since the descriptor was opened).
int cfilesync_syncfs(int fd);

#endif
