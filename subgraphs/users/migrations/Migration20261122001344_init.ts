import { Migration } from '@mikro-orm/migrations';

export class Migration20261122001344_init extends Migration {

  override name = 'Migration20261122001344_init';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "users";`);
    this.addSql(`create table "users"."user" ("id" uuid not null, "email" varchar(320) not null, "password_hash" varchar(255) not null, "name" varchar(200) null, "company" varchar(200) null, "phone" varchar(40) null, "telegram" varchar(64) null, "roles" text[] not null default '{user}', "mfa_enabled" boolean not null default false, "mfa_secret" varchar(255) null, "mfa_pending_secret" varchar(255) null, "disabled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "users"."user" add constraint "user_email_unique" unique ("email");`);

    this.addSql(`create table "users"."session" ("id" uuid not null, "user_id" uuid not null, "refresh_hash" varchar(255) not null, "generation" int not null default 0, "user_agent" varchar(512) null, "ip" varchar(64) null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(40) null, primary key ("id"));`);
    this.addSql(`create index "session_user_id_index" on "users"."session" ("user_id");`);

    this.addSql(`create table "users"."recovery_code" ("id" uuid not null, "user_id" uuid not null, "code_hash" varchar(255) not null, "used_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "recovery_code_user_id_index" on "users"."recovery_code" ("user_id");`);

    this.addSql(`alter table "users"."session" add constraint "session_user_id_foreign" foreign key ("user_id") references "users"."user" ("id") on delete cascade;`);

    this.addSql(`alter table "users"."recovery_code" add constraint "recovery_code_user_id_foreign" foreign key ("user_id") references "users"."user" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users"."session" drop constraint "session_user_id_foreign";`);
    this.addSql(`alter table "users"."recovery_code" drop constraint "recovery_code_user_id_foreign";`);

    this.addSql(`drop table if exists "users"."user" cascade;`);
    this.addSql(`drop table if exists "users"."session" cascade;`);
    this.addSql(`drop table if exists "users"."recovery_code" cascade;`);

  }

}
