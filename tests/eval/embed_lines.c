/* embed_lines: the local embedder's vector of each line of standard input, one pgvector text
 * literal ("[x,y,...]") per line, in the order read. Lets scripts store the embeddings of
 * questions (as `cca ask` embeds them) without a database round trip: built and run by
 * scripts/bench_vector_sparse.sh. Usage: embed_lines [DIM] < questions.txt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed_local.h"
#include "core/mem.h"

int main(int argc, char **argv)
{
    int dim = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1536;
    struct embed_local *el;
    if (embed_local_new(dim, true, &el) != ERR_OK) {
        fprintf(stderr, "embed_lines: bad dimension %d\n", dim);
        return 2;
    }
    float *v = xmalloc((size_t)dim * sizeof *v);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        embed_local_text(el, line, (size_t)n, v);
        putchar('[');
        for (int i = 0; i < dim; i++)
            printf(i ? ",%.9g" : "%.9g", (double)v[i]);
        fputs("]\n", stdout);
    }
    free(line);
    free(v);
    embed_local_free(el);
    return 0;
}
