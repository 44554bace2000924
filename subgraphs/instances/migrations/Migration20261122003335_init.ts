import { Migration } from '@mikro-orm/migrations';

export class Migration20261122003335_init extends Migration {

  override name = 'Migration20261122003335_init';

  override up(): void | Promise<void> {
    this.addSql(`create schema if not exists "instances";`);
    this.addSql(`create table "instances"."instance" ("id" uuid not null, "owner_id" uuid not null, "agent_id" uuid not null, "title" varchar(200) not null, "status" text not null default 'PROVISIONING', "user_config" jsonb null, "pipeline_config" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "instance_owner_id_index" on "instances"."instance" ("owner_id");`);
    this.addSql(`create index "instance_agent_id_index" on "instances"."instance" ("agent_id");`);

    this.addSql(`create table "instances"."knowledge_base" ("id" uuid not null, "instance_id" uuid not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "instances"."knowledge_base" add constraint "knowledge_base_instance_id_unique" unique ("instance_id");`);

    this.addSql(`create table "instances"."knowledge_base_entry" ("id" uuid not null, "knowledge_base_id" uuid not null, "title" varchar(200) not null, "content" text not null, "source_url" varchar(2048) null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "knowledge_base_entry_knowledge_base_id_created_at_id_index" on "instances"."knowledge_base_entry" ("knowledge_base_id", "created_at", "id");`);

    this.addSql(`alter table "instances"."instance" add constraint "instance_status_check" check ("status" in ('PROVISIONING', 'ACTIVE', 'PAUSED', 'FAILED'));`);

    this.addSql(`alter table "instances"."knowledge_base" add constraint "knowledge_base_instance_id_foreign" foreign key ("instance_id") references "instances"."instance" ("id") on delete cascade;`);

    this.addSql(`alter table "instances"."knowledge_base_entry" add constraint "knowledge_base_entry_knowledge_base_id_foreign" foreign key ("knowledge_base_id") references "instances"."knowledge_base" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "instances"."knowledge_base" drop constraint "knowledge_base_instance_id_foreign";`);
    this.addSql(`alter table "instances"."knowledge_base_entry" drop constraint "knowledge_base_entry_knowledge_base_id_foreign";`);

    this.addSql(`drop table if exists "instances"."instance" cascade;`);
    this.addSql(`drop table if exists "instances"."knowledge_base" cascade;`);
    this.addSql(`drop table if exists "instances"."knowledge_base_entry" cascade;`);

  }

}
