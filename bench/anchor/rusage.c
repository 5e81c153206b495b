/*
 * rusage: runs one command and prints, as one JSON line, its whole-process
 * CPU time (user and system, all threads, and any children it waited for),
 * its peak RSS (ru_maxrss) and its wall time, from wait4(2).
 *
 * A C launcher rather than Node or Python: Node cannot wait4 a child, and
 * ru_maxrss keeps the high-water mark of the process image before exec, so a
 * launcher with a large heap (Python's ~10 MB) would hide a 3 MB peak.
 *
 * usage: rusage <stdout-file> <stderr-file> <command> [args...]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long micros(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + tv.tv_usec; }

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: rusage <stdout-file> <stderr-file> <command> [args...]\n");
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    execvp(argv[3], argv + 3);
    fprintf(stderr, "rusage: cannot run %s: %s\n", argv[3], strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
  printf("{\"userMicros\":%lld,\"sysMicros\":%lld,\"maxRssKiB\":%ld,\"wallMicros\":%lld,\"exitCode\":%d,\"signal\":%d}\n",
         micros(ru.ru_utime), micros(ru.ru_stime), ru.ru_maxrss, wall,
         WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return 0;
}
