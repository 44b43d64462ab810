-- Run once by the postgres image when the warehouse volume is first initialised.
create extension if not exists pgcrypto;
