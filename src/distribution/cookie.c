/* cookie.c — cookies: the default one from ~/.erlang.cookie (created as
 * erl creates it: 20 random capital letters, no newline, mode 0400), the
 * node's cookie and the per-node cookies of Node.set_cookie/2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distribution/distribution_internal.h"

bool ot__cookie_valid(const char *c)
{
    if (!c || !*c)
        return false;
    size_t n = strlen(c);
    if (n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
            return false;
    return true;
}

/* Writes a new cookie file at path: O_EXCL, so that two nodes starting
 * at once do not both write one (the loser reads the winner's). */
static int cookie_create(const char *path)
{
    char c[21];
    uint8_t rnd[20];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return -EIO;
    for (int i = 0; i < 20; i++)
        c[i] = (char)('A' + rnd[i] % 26);
    c[20] = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    if (fd < 0)
        return errno == EEXIST ? 0 : -errno;
    ssize_t w = write(fd, c, 20);
    int err = w == 20 ? 0 : -EIO;
    if (close(fd) != 0 && !err)
        err = -errno;
    if (err)
        unlink(path);
    return err;
}

int ot__cookie_default(char *out, size_t cap)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return -ENOENT;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/.erlang.cookie", home) >= sizeof path)
        return -ENAMETOOLONG;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return -errno;
        int err = cookie_create(path);
        if (err)
            return err;
        if (stat(path, &st) != 0)
            return -errno;
    }
    if (st.st_mode & 077) {
        ot__dist_log("cookie file %s must be accessible by its owner only", path);
        return -EACCES;
    }
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char buf[512];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The first line, without trailing blanks, as erl reads it. */
    char *nl = strpbrk(buf, "\r\n");
    if (nl)
        *nl = 0;
    n = strlen(buf);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = 0;
    if (!ot__cookie_valid(buf) || n + 1 > cap) {
        ot__dist_log("cookie file %s holds no usable cookie", path);
        return -EINVAL;
    }
    memcpy(out, buf, n + 1);
    return 0;
}

void ot__cookie_for(ot__dnode *d, char *out, size_t cap)
{
    pthread_mutex_lock(&d->lock);
    const char *own = d->cookie;
    if (own)
        snprintf(out, cap, "%s", own);
    pthread_mutex_unlock(&d->lock);
    if (own)
        return;
    pthread_mutex_lock(&ot__self_node.lock);
    snprintf(out, cap, "%s", ot__self_node.cookie);
    pthread_mutex_unlock(&ot__self_node.lock);
}

/* ---------------------------------------------------------------- public */

ot_term ot_get_cookie(void)
{
    if (!atomic_load(&ot__self_node.alive))
        return ot_atom("nocookie");
    pthread_mutex_lock(&ot__self_node.lock);
    ot_term a = ot_atom(ot__self_node.cookie);
    pthread_mutex_unlock(&ot__self_node.lock);
    return a;
}

int ot_set_cookie(const char *cookie)
{
    if (!ot__cookie_valid(cookie))
        return -EINVAL;
    if (!atomic_load(&ot__self_node.alive))
        return -ENOENT;
    pthread_mutex_lock(&ot__self_node.lock);
    snprintf(ot__self_node.cookie, sizeof ot__self_node.cookie, "%s", cookie);
    pthread_mutex_unlock(&ot__self_node.lock);
    return 0;
}

ot_term ot_get_node_cookie(ot_term node)
{
    if (!atomic_load(&ot__self_node.alive))
        return ot_atom("nocookie");
    if (node == ot_node())
        return ot_get_cookie();
    if (!ot__valid_node_name(node))
        return OT_NONE;
    ot__dnode *d = ot__dnode_get(node, false);
    if (!d)
        return ot_get_cookie();
    char c[256];
    ot__cookie_for(d, c, sizeof c);
    return ot_atom(c);
}

int ot_set_node_cookie(ot_term node, const char *cookie)
{
    if (!ot__cookie_valid(cookie))
        return -EINVAL;
    if (!atomic_load(&ot__self_node.alive))
        return -ENOENT;
    if (node == ot_node())
        return ot_set_cookie(cookie);
    if (!ot__valid_node_name(node))
        return -EINVAL;
    ot__dnode *d = ot__dnode_get(node, true);
    if (!d)
        return -ENOMEM;
    size_t n = strlen(cookie) + 1;
    char *copy = ot__malloc(n);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, cookie, n);
    pthread_mutex_lock(&d->lock);
    char *old = d->cookie;
    d->cookie = copy;
    pthread_mutex_unlock(&d->lock);
    ot__free(old);
    return 0;
}
