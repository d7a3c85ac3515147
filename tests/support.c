#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

int cct_run_probe(const char *name, char *const env[], char *out, size_t cap)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';

	size_t nenv = 0, nextra = 0;
	while (environ[nenv])
		nenv++;
	while (env[nextra])
		nextra++;
	char **envp = calloc(nenv + nextra + 1, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < nextra; i++)
		envp[k++] = env[i];
	for (size_t i = 0; i < nenv; i++) {
		/* drop variables the probe sets, so the extra ones win */
		int shadowed = 0;
		for (size_t j = 0; j < nextra; j++) {
			size_t len = strcspn(env[j], "=") + 1;
			if (strncmp(environ[i], env[j], len) == 0)
				shadowed = 1;
		}
		if (!shadowed)
			envp[k++] = environ[i];
	}
	envp[k] = NULL;

	int fds[2];
	if (pipe(fds) != 0) {
		free(envp);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	char *argv[] = {self, "--probe", (char *)name, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, self, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	size_t used = 0;
	ssize_t r;
	while ((r = read(fds[0], out + used, cap - 1 - used)) > 0)
		used += (size_t)r;
	out[used] = '\0';
	close(fds[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int cct_main(int argc, char **argv, Suite *(*make_suite)(void), int (*probe)(const char *name))
{
	if (argc == 3 && strcmp(argv[1], "--probe") == 0 && probe != NULL)
		return probe(argv[2]);
	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

smr_domain_t *cct_domain(smr_scheme_t scheme, unsigned max_threads)
{
	smr_options_t o;
	smr_options_init(&o, scheme);
	o.max_threads = max_threads;
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_msg(d != NULL, "create %s: %s", smr_scheme_name(scheme), strerror(errno));
	return d;
}

smr_domain_t *cct_eager_domain(smr_scheme_t scheme)
{
	smr_options_t o;
	smr_options_init(&o, scheme);
	o.max_threads = 16;
	o.batch_size = 8;
	o.empty_freq = 8;
	o.epoch_freq = 4;
	o.neutralize_after = 64;
	smr_domain_t *d = smr_domain_create(&o);
	ck_assert_msg(d != NULL, "create %s: %s", smr_scheme_name(scheme), strerror(errno));
	return d;
}

void cct_assert_glue_balanced(void)
{
	if (!CC_ALLOC_STATS)
		return;
	cc_alloc_snapshot_t s = cc_alloc_stats_snapshot();
	ck_assert_uint_eq(s.alloc_count, s.free_count);
	ck_assert_uint_eq(s.alloc_bytes, s.free_bytes);
	ck_assert_uint_eq(s.current_allocated, 0);
}
