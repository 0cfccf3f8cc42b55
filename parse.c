int x; /* TODO: tidy this */
int y; // FIXME: leaks on EPIPE
