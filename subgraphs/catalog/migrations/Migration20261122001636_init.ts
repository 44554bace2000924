import { Migration } from '@mikro-orm/migrations';

export class Migration20261122001636_init extends Migration {

  override name = 'Migration20261122001636_init';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "catalog";`);
    this.addSql(`create table "catalog"."agent" ("id" uuid not null, "slug" varchar(64) not null, "name" varchar(120) not null, "description" text not null, "category" varchar(64) not null, "capabilities" text[] not null default '{}', "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "catalog"."agent" add constraint "agent_slug_unique" unique ("slug");`);
    this.addSql(`create index "agent_category_index" on "catalog"."agent" ("category");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "catalog"."agent" cascade;`);

  }

}
