/*
 * A stand-in for lifeboat-win-x64.exe and wpeutil.exe in the WinPE job-runner test
 * (winpe-job-wine.test.ts), cross-compiled with mingw-w64 and run under Wine.
 *
 * It appends one JSON line per run to the file named by FAKE_RECORD: the program's own name, the
 * current folder, what its stdin is (NUL is a character device; a job must never hand Lifeboat a
 * pipe or console that nobody answers) and every argument exactly as the C runtime split the
 * command line, so the test sees what a real Lifeboat would have received. It writes one line to
 * stdout and one to stderr (the job log must hold both) and exits with N when an argument is
 * --fake-exit=N, so a test can make one command of a job fail.
 */
#include <direct.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_json_string(FILE *out, const char *text) {
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\') fprintf(out, "\\%c", *c);
    else if (*c < 0x20) fprintf(out, "\\u%04x", *c);
    else fputc(*c, out);
  }
  fputc('"', out);
}

int main(int argc, char **argv) {
  const char *record = getenv("FAKE_RECORD");
  if (record == NULL) {
    fprintf(stderr, "fake-lifeboat: FAKE_RECORD is not set\n");
    return 99;
  }
  FILE *out = fopen(record, "ab");
  if (out == NULL) {
    fprintf(stderr, "fake-lifeboat: cannot open %s\n", record);
    return 98;
  }
  const char *name = strrchr(argv[0], '\\');
  name = name ? name + 1 : argv[0];
  char cwd[1024];
  if (_getcwd(cwd, sizeof cwd) == NULL) strcpy(cwd, "?");

  fputs("{\"program\":", out);
  put_json_string(out, name);
  fputs(",\"cwd\":", out);
  put_json_string(out, cwd);
  DWORD type = GetFileType(GetStdHandle(STD_INPUT_HANDLE));
  fputs(",\"stdin\":", out);
  put_json_string(out, type == FILE_TYPE_CHAR ? "char" : type == FILE_TYPE_PIPE ? "pipe" : type == FILE_TYPE_DISK ? "disk" : "unknown");
  fputs(",\"args\":[", out);
  for (int i = 1; i < argc; i++) {
    if (i > 1) fputc(',', out);
    put_json_string(out, argv[i]);
  }
  fputs("]}\n", out);
  fclose(out);

  printf("fake stdout: %s\n", argc > 1 ? argv[1] : "(no command)");
  fprintf(stderr, "fake stderr: progress of %s\n", argc > 1 ? argv[1] : "(no command)");
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--fake-exit=", 12) == 0) return atoi(argv[i] + 12);
  }
  return 0;
}
