import { Migration } from '@mikro-orm/migrations';

export class Migration20261122012528_api_keys extends Migration {

  override name = 'Migration20261122012528_api_keys';

  override up(): void | Promise<void> {
    this.addSql(`create table "users"."api_key" ("id" uuid not null, "user_id" uuid not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "secret_hash" varchar(255) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_key_user_id_index" on "users"."api_key" ("user_id");`);
    this.addSql(`alter table "users"."api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);

    this.addSql(`alter table "users"."api_key" add constraint "api_key_user_id_foreign" foreign key ("user_id") references "users"."user" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "users"."api_key" cascade;`);
  }

}
