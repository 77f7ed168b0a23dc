/*
 * failing-disk: a FUSE filesystem holding one file, "disk", whose bytes are those of a real
 * image file except that any read overlapping a chosen list of 512-byte sectors fails with EIO,
 * as a disk with unreadable sectors does. Attached with losetup, it gives the tests a real block
 * device that fails exactly where they say.
 *
 *   failing-disk IMAGE SECTORS MOUNTPOINT
 *
 * SECTORS is "first+count,first+count,..." (or "-" for none). The server runs in the foreground
 * and single-threaded; files are opened with direct_io so the kernel's page cache never answers
 * a read in its place and every failing read reaches us. Writes are refused (EROFS).
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

#define SECTOR_BYTES 512
#define MAX_RANGES 4096

struct bad_range {
  uint64_t first;
  uint64_t count;
};

static int image_fd = -1;
static struct bad_range ranges[MAX_RANGES];
static size_t range_count;
static unsigned long long reads_total;
static unsigned long long reads_failed;

static int parse_ranges(const char *text) {
  if (strcmp(text, "-") == 0) return 0;
  const char *at = text;
  while (*at != '\0') {
    char *end;
    if (range_count == MAX_RANGES) return -1;
    unsigned long long first = strtoull(at, &end, 10);
    if (end == at || *end != '+') return -1;
    at = end + 1;
    unsigned long long count = strtoull(at, &end, 10);
    if (end == at || count == 0) return -1;
    ranges[range_count].first = first;
    ranges[range_count].count = count;
    range_count++;
    at = end;
    if (*at == ',') at++;
    else if (*at != '\0') return -1;
  }
  return 0;
}

static int overlaps_bad(off_t offset, size_t size) {
  uint64_t first = (uint64_t)offset / SECTOR_BYTES;
  uint64_t end = ((uint64_t)offset + size + SECTOR_BYTES - 1) / SECTOR_BYTES;
  for (size_t i = 0; i < range_count; i++) {
    if (ranges[i].first < end && first < ranges[i].first + ranges[i].count) return 1;
  }
  return 0;
}

static int fd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  return one_file_getattr(path, st, 0);
}

static int fd_open(const char *path, struct fuse_file_info *fi) {
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  return one_file_open(path, fi);
}

static int fd_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  reads_total++;
  if (offset >= image_bytes) return 0;
  if ((off_t)size > image_bytes - offset) size = (size_t)(image_bytes - offset);
  if (overlaps_bad(offset, size)) {
    reads_failed++;
    return -EIO;
  }
  size_t done = 0;
  while (done < size) {
    ssize_t got = pread(image_fd, buf + done, size - done, offset + (off_t)done);
    if (got < 0) return -errno;
    if (got == 0) break;
    done += (size_t)got;
  }
  return (int)done;
}

static void fd_destroy(void *data) {
  (void)data;
  fprintf(stderr, "failing-disk: %llu reads, %llu failed with EIO\n", reads_total, reads_failed);
}

static const struct fuse_operations operations = {
    .init = one_file_init,
    .getattr = fd_getattr,
    .readdir = one_file_readdir,
    .open = fd_open,
    .read = fd_read,
    .destroy = fd_destroy,
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s IMAGE SECTORS MOUNTPOINT  (SECTORS: first+count,... or -)\n", argv[0]);
    return 2;
  }
  if (parse_ranges(argv[2]) != 0) {
    fprintf(stderr, "failing-disk: bad sector list \"%s\" (first+count,... in 512-byte sectors)\n", argv[2]);
    return 2;
  }
  image_fd = open(argv[1], O_RDONLY);
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
  /* Foreground and single-threaded; allow_other lets the kernel's loop worker read the file. */
  char *fuse_argv[] = {argv[0], "-f", "-s", "-o", "allow_other,ro,fsname=failing-disk,subtype=failing-disk", argv[3], NULL};
  return fuse_main(6, fuse_argv, &operations, NULL);
}
