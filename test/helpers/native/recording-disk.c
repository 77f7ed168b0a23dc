/*
 * recording-disk: a FUSE filesystem holding one file, "disk", backed by a real image file. Every
 * write is applied to the image and appended to a log, and so is every fsync (a flush barrier),
 * in the order the requests arrive. Attached with losetup, it is a real block device whose
 * history the power-cut harness (test/helpers/power-cut-*.ts) replays.
 *
 *   recording-disk IMAGE LOG MOUNTPOINT
 *
 * Log records, little-endian, one after another:
 *   u32 kind (1 = write, 2 = barrier: fsync/fdatasync), u32 length, u64 offset, then `length`
 *   bytes of data for a write (a barrier has length 0 and offset 0).
 *
 * The server runs in the foreground and single-threaded, so the log order is the order in which
 * requests were answered: a write the kernel saw completed before it issued a flush is logged
 * before that flush's barrier. Files are opened with direct_io so the page cache of the FUSE file
 * never merges or delays a write. FUSE "flush" (sent on every close) is not a durability barrier
 * and is only counted.
 *
 * What reaches us, observed on this machine's kernel (Debian 12, 6.1): the loop driver advertises
 * a volatile write cache when its backing file has an fsync operation (FUSE files do), so the block
 * layer passes ext4's journal-commit REQ_PREFLUSH and turns its FUA writes into write + flush; the
 * loop driver executes each flush with vfs_fsync on the backing file, which arrives here as one
 * FUSE fsync. fsync(2) on the raw loop device arrives the same way. The harness's own
 * self-test (power-cut-device.test.ts) proves both on every run.
 */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "one-file-fs.h"

#define KIND_WRITE 1u
#define KIND_BARRIER 2u

static int image_fd = -1;
static int log_fd = -1;
static unsigned long long writes_total;
static unsigned long long barriers_total;
static unsigned long long flushes_total;

static int write_all(int fd, const void *data, size_t size) {
  const char *at = data;
  while (size > 0) {
    ssize_t put = write(fd, at, size);
    if (put < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    at += put;
    size -= (size_t)put;
  }
  return 0;
}

static int log_record(uint32_t kind, uint64_t offset, const char *data, uint32_t length) {
  unsigned char header[16];
  memcpy(header, &kind, 4);
  memcpy(header + 4, &length, 4);
  memcpy(header + 8, &offset, 8);
  int rc = write_all(log_fd, header, sizeof header);
  if (rc == 0 && length > 0) rc = write_all(log_fd, data, length);
  return rc;
}

static int rd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  return one_file_getattr(path, st, 1);
}

static int rd_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  if (offset >= image_bytes) return 0;
  if ((off_t)size > image_bytes - offset) size = (size_t)(image_bytes - offset);
  size_t done = 0;
  while (done < size) {
    ssize_t got = pread(image_fd, buf + done, size - done, offset + (off_t)done);
    if (got < 0) return -errno;
    if (got == 0) break;
    done += (size_t)got;
  }
  return (int)done;
}

static int rd_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  /* A block device never grows: a write past the end is the kernel's bug or ours. */
  if (offset < 0 || offset + (off_t)size > image_bytes) return -ENOSPC;
  size_t done = 0;
  while (done < size) {
    ssize_t put = pwrite(image_fd, buf + done, size - done, offset + (off_t)done);
    if (put < 0) return -errno;
    done += (size_t)put;
  }
  int rc = log_record(KIND_WRITE, (uint64_t)offset, buf, (uint32_t)size);
  if (rc != 0) return rc;
  writes_total++;
  return (int)size;
}

static int rd_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  (void)fi;
  barriers_total++;
  return log_record(KIND_BARRIER, 0, NULL, 0);
}

static int rd_flush(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  flushes_total++;
  return 0;
}

static int rd_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  return size == image_bytes ? 0 : -EPERM;
}

static void rd_destroy(void *data) {
  (void)data;
  fprintf(stderr, "recording-disk: %llu writes, %llu barriers (fsync), %llu flushes on close\n", writes_total, barriers_total, flushes_total);
}

static const struct fuse_operations operations = {
    .init = one_file_init,
    .getattr = rd_getattr,
    .readdir = one_file_readdir,
    .open = one_file_open,
    .read = rd_read,
    .write = rd_write,
    .fsync = rd_fsync,
    .flush = rd_flush,
    .truncate = rd_truncate,
    .destroy = rd_destroy,
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s IMAGE LOG MOUNTPOINT\n", argv[0]);
    return 2;
  }
  image_fd = open(argv[1], O_RDWR);
  if (image_fd < 0) {
    perror(argv[1]);
    return 1;
  }
  struct stat st;
  if (fstat(image_fd, &st) != 0) {
    perror(argv[1]);
    return 1;
  }
  image_bytes = st.st_size;
  log_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (log_fd < 0) {
    perror(argv[2]);
    return 1;
  }
  /* Foreground and single-threaded (one order for the log); allow_other lets the loop worker in. */
  char *fuse_argv[] = {argv[0], "-f", "-s", "-o", "allow_other,fsname=recording-disk,subtype=recording-disk", argv[3], NULL};
  return fuse_main(6, fuse_argv, &operations, NULL);
}
