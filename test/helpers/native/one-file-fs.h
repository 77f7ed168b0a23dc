/*
 * The part every test FUSE server here shares: a filesystem whose root holds one file, "disk",
 * of image_bytes bytes, served with direct_io so the page cache never answers in the server's
 * place. Each server defines `image_bytes` and whether the file is writable before including this.
 */
#ifndef ONE_FILE_FS_H
#define ONE_FILE_FS_H

#define FILE_NAME "disk"

static off_t image_bytes;

static void *one_file_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->attr_timeout = 3600;
  cfg->entry_timeout = 3600;
  return NULL;
}

/* getattr for a server whose file is writable (0644) or read-only (0444). */
static int one_file_getattr(const char *path, struct stat *st, int writable) {
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | (writable ? 0755 : 0555);
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, "/" FILE_NAME) == 0) {
    st->st_mode = S_IFREG | (writable ? 0644 : 0444);
    st->st_nlink = 1;
    st->st_size = image_bytes;
    st->st_blocks = (image_bytes + 511) / 512;
    return 0;
  }
  return -ENOENT;
}

static int one_file_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t offset, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)offset;
  (void)fi;
  (void)flags;
  if (strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  fill(buf, FILE_NAME, NULL, 0, 0);
  return 0;
}

/* open: only the one file, always direct_io. */
static int one_file_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, "/" FILE_NAME) != 0) return -ENOENT;
  fi->direct_io = 1;
  return 0;
}

#endif
