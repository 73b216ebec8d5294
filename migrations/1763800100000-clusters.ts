import { MigrationInterface, QueryRunner } from 'typeorm';

export class Clusters1763800100000 implements MigrationInterface {
  name = 'Clusters1763800100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE clusters (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name              varchar(63) NOT NULL UNIQUE,
        kubeconfig_sealed text NOT NULL,
        last_sync_at      timestamptz,
        last_sync_ok_at   timestamptz,
        last_sync_error   text,
        create_time       timestamptz NOT NULL DEFAULT now(),
        update_time       timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE cluster_labels (
        cluster_id  uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        label       varchar(63) NOT NULL,
        create_time timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cluster_id, label)
      )`);
    await db.query(`CREATE INDEX cluster_labels_label ON cluster_labels (label)`);
    await db.query(`
      CREATE TABLE nodes (
        cluster_id       uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
        name             varchar(253) NOT NULL,
        operating_system text NOT NULL,
        kernel_version   text NOT NULL,
        ip               text NOT NULL,
        cpu              int NOT NULL,
        memory           bigint NOT NULL,
        disk             bigint NOT NULL,
        gpu              int NOT NULL,
        is_ready         boolean NOT NULL,
        labels           jsonb NOT NULL DEFAULT '{}',
        sync_time        timestamptz NOT NULL,
        PRIMARY KEY (cluster_id, name)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE nodes, cluster_labels, clusters`);
  }
}
